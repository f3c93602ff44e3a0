//! Requests a server received, as JS's Request objects read them: method,
//! URL, headers, body, the client leaving. `Bun.serve` (`ext/serve`) files
//! each request in the runtime's table here and answers it; Request (this
//! extension) reads it by id, without knowing servers.

use std::cell::RefCell;
use std::rc::Rc;

use deno_core::ByteString;
use deno_core::OpState;
use deno_core::ToJsBuffer;
use deno_core::op2;

use crate::server::request::BodyError;
use crate::server::request::InFlightTable;
use crate::server::types::RequestId;

/// The runtime's requests waiting for JS, on every server (in `OpState`).
#[derive(Default)]
pub struct IncomingRequests(pub Rc<InFlightTable>);

/// The table of requests waiting for JS (async ops clone the `Rc` to hold
/// it across an await; the sync ones, per request, only borrow it).
pub(crate) fn requests(state: &OpState) -> &Rc<InFlightTable> {
  &state.borrow::<IncomingRequests>().0
}

/// Errors reading a request's body.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum RequestError {
  /// The body could not be read whole.
  #[class(inherit)]
  #[error(transparent)]
  Body(#[from] BodyError),
  /// The request is no longer waiting for its body to be read.
  #[class(type)]
  #[error("Body already used")]
  BodyUsed,
}

/// The request method, for methods without a code.
#[op2]
#[string]
pub(crate) fn op_request_method(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> String {
  requests(state)
    .with(id, |r| r.parts.method.as_str().to_string())
    .unwrap_or_default()
}

/// The absolute request URL, as Bun builds it from the Host header.
#[op2]
#[string]
pub(crate) fn op_request_url(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> String {
  requests(state).with(id, |r| r.url()).unwrap_or_default()
}

/// Request headers as a flat `[name, value, name, value...]` list.
#[op2]
#[serde]
pub(crate) fn op_request_headers(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> Vec<ByteString> {
  requests(state)
    .with(id, |r| {
      let mut flat = Vec::with_capacity(r.parts.headers.len() * 2);
      for (name, value) in &r.parts.headers {
        flat.push(ByteString::from(name.as_str()));
        flat.push(ByteString::from(value.as_bytes()));
      }
      flat
    })
    .unwrap_or_default()
}

/// Whether the request declares or may carry a body.
#[op2(fast)]
pub(crate) fn op_request_has_body(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> bool {
  requests(state).with(id, |r| r.has_body()).unwrap_or(false)
}

/// Reads the next body chunk; `null` at the end.
#[op2]
#[serde]
pub(crate) async fn op_request_body_chunk(
  state: Rc<RefCell<OpState>>,
  #[smi] id: RequestId,
) -> Result<Option<ToJsBuffer>, RequestError> {
  let requests = requests(&state.borrow()).clone();
  let chunk = requests
    .read_chunk(id)
    .await
    .ok_or(RequestError::BodyUsed)??;
  Ok(chunk.map(|data| data.to_vec().into()))
}

/// Reads the whole body (for `text()`, `json()`, `arrayBuffer()`...).
#[op2]
#[serde]
pub(crate) async fn op_request_body_all(
  state: Rc<RefCell<OpState>>,
  #[smi] id: RequestId,
) -> Result<ToJsBuffer, RequestError> {
  let requests = requests(&state.borrow()).clone();
  let body = requests
    .read_all(id)
    .await
    .ok_or(RequestError::BodyUsed)??;
  Ok(body.into())
}

/// Resolves `true` if the client disconnects before its response is sent.
#[op2]
pub(crate) async fn op_request_client_gone(
  state: Rc<RefCell<OpState>>,
  #[smi] id: RequestId,
) -> bool {
  let gone = requests(&state.borrow()).with(id, |r| r.gone.clone());
  match gone {
    Some(gone) => gone.wait().await,
    None => false,
  }
}
