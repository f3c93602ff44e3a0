//! Answering a request: status, headers and a body in one crossing (a
//! string, bytes, a file, another request's body), or a stream JS writes
//! into with backpressure, then maybe trailers.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::Bytes;
use deno_core::ByteString;
use deno_core::JsBuffer;
use deno_core::OpState;
use deno_core::op2;
use http::HeaderValue;
use http::Response;
use http::StatusCode;
use http::header;
use http_body::Frame;
use tokio::sync::mpsc;

use crate::errors::Code;
use crate::ext::http::incoming::requests;
use crate::ext::node::fs::NodeError;
use crate::server::body::ResponseBody;
use crate::server::body::StreamAborted;
use crate::server::file::FileError;
use crate::server::file::OpenFile;
use crate::server::file_response::file_response;
use crate::server::types::RequestId;
use crate::server::validators::Conditions;
use crate::util::headers::BadField;
use crate::util::headers::append_pairs;

use super::start::file_source;
use super::state::ServeError;
use super::state::ServeState;

/// Content types JS asks for by code on the fast path.
fn content_type(code: u32) -> Option<HeaderValue> {
  match code {
    1 => Some(HeaderValue::from_static("text/plain;charset=utf-8")),
    2 => Some(HeaderValue::from_static("application/json;charset=utf-8")),
    _ => None,
  }
}

fn status(code: u32) -> Result<StatusCode, ServeError> {
  u16::try_from(code)
    .ok()
    .and_then(|c| StatusCode::from_u16(c).ok())
    .ok_or_else(|| {
      ServeError::InvalidResponse(format!("Invalid status code {code}"))
    })
}

/// The fast path: a string body with at most a content type, no headers.
#[op2(fast)]
pub(crate) fn op_serve_respond_text(
  state: &mut OpState,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[string] body: &str,
  #[smi] content_type_code: u32,
) -> Result<(), ServeError> {
  let mut response =
    Response::new(ResponseBody::full(Bytes::copy_from_slice(body.as_bytes())));
  *response.status_mut() = status(status_code)?;
  if let Some(ct) = content_type(content_type_code) {
    response.headers_mut().insert(header::CONTENT_TYPE, ct);
  }
  requests(state).respond(id, response);
  Ok(())
}

fn build_head(
  status_code: u32,
  headers: Vec<(ByteString, ByteString)>,
  body: ResponseBody,
) -> Result<Response<ResponseBody>, ServeError> {
  let mut response = Response::new(body);
  *response.status_mut() = status(status_code)?;
  append_fields(response.headers_mut(), headers, "header")?;
  Ok(response)
}

/// Appends JS's `[name, value]` pairs to `map`; `what` ("header",
/// "trailer") words the error for a pair that is not a valid field.
fn append_fields(
  map: &mut http::HeaderMap,
  fields: Vec<(ByteString, ByteString)>,
  what: &str,
) -> Result<(), ServeError> {
  map.reserve(fields.len());
  append_pairs(map, fields).map_err(|bad| {
    ServeError::InvalidResponse(match bad {
      BadField::Name(name) => format!("Invalid {what} name '{name}'"),
      BadField::Value(name) => format!("Invalid value for {what} '{name}'"),
    })
  })
}

/// The sender of a streamed response JS is writing, while it is open.
fn stream_sender(
  state: &Rc<RefCell<OpState>>,
  stream: u32,
) -> Option<mpsc::Sender<Result<Frame<Bytes>, StreamAborted>>> {
  state
    .borrow()
    .borrow::<ServeState>()
    .streams
    .get(&stream)
    .cloned()
}

/// The general path: status, headers and a string body.
#[op2]
pub(crate) fn op_serve_respond(
  state: &mut OpState,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
  #[string] body: &str,
) -> Result<(), ServeError> {
  let body = ResponseBody::full(Bytes::copy_from_slice(body.as_bytes()));
  let response = build_head(status_code, headers, body)?;
  requests(state).respond(id, response);
  Ok(())
}

/// Status, headers and a byte body (also used for no body: empty bytes).
/// The body is not copied: the response holds the JS buffer's backing store
/// (the Response already made its own copy when it was constructed).
#[op2]
pub(crate) fn op_serve_respond_bytes(
  state: &mut OpState,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
  #[buffer] body: JsBuffer,
) -> Result<(), ServeError> {
  let body = ResponseBody::full(Bytes::from_owner(body.into_parts()));
  let response = build_head(status_code, headers, body)?;
  requests(state).respond(id, response);
  Ok(())
}

/// A file as the response body (`new Response(Bun.file(p))`): opened off
/// the event loop, then sent from Rust with validators and ranges (see
/// [`crate::server::file`]). A file that cannot be opened rejects with
/// Node's error, for the handler's `error()`, as in Bun.
#[op2]
pub(crate) async fn op_serve_respond_file(
  state: Rc<RefCell<OpState>>,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
  #[string] path: String,
  start: f64,
  end: f64,
) -> Result<(), ServeError> {
  let status = status(status_code)?;
  let mut map = http::HeaderMap::new();
  append_fields(&mut map, headers, "header")?;
  let Some((conditions, flow)) = requests(&state.borrow()).with(id, |r| {
    (
      Conditions::of(&r.parts.method, &r.parts.headers),
      r.flow.clone(),
    )
  }) else {
    // Answered or gone already: nothing to send.
    return Ok(());
  };
  let source = file_source(path, start, end);
  let file = OpenFile::open(&source).await.map_err(|e| {
    let path = source.path.to_string_lossy();
    match e {
      FileError::Io(e) => NodeError::fs(e, "open", &path),
      FileError::Directory => NodeError::Fs {
        code: Code::Eisdir,
        errno: -libc::EISDIR,
        description: FileError::Directory.to_string(),
        syscall: "open",
        path: path.into_owned(),
      },
    }
  })?;
  let response = file_response(file, status, map, &conditions, flow);
  requests(&state.borrow()).respond(id, response);
  Ok(())
}

/// Starts a streamed response; returns the stream id JS writes chunks to.
#[op2]
#[smi]
pub(crate) fn op_serve_respond_stream(
  state: &mut OpState,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
) -> Result<u32, ServeError> {
  let (flow, idle) = requests(state)
    .with(id, |r| (r.flow.clone(), r.timeout.get()))
    .unwrap_or_default();
  let (tx, body) = ResponseBody::channel(flow, idle);
  let response = build_head(status_code, headers, body)?;
  requests(state).respond(id, response);
  let serve = state.borrow_mut::<ServeState>();
  serve.next_stream = serve.next_stream.wrapping_add(1).max(1);
  let stream = serve.next_stream;
  serve.streams.insert(stream, tx);
  Ok(stream)
}

/// Answers with another in-flight request's body, unread so far, as the
/// response body (`new Response(req.body)`): it streams from the client
/// back out without entering JS.
#[op2]
pub(crate) fn op_serve_respond_piped(
  state: &mut OpState,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
  #[smi] source: RequestId,
) -> Result<(), ServeError> {
  let body = requests(state)
    .with(source, |r| r.body.take())
    .ok_or(ServeError::BodyUsed)?;
  let body = match body {
    Some(incoming) => ResponseBody::Piped(incoming),
    None => ResponseBody::Empty,
  };
  let response = build_head(status_code, headers, body)?;
  requests(state).respond(id, response);
  Ok(())
}

/// Writes a chunk, waiting while the client is slower than the producer.
/// Resolves `false` once the client has gone.
#[op2]
pub(crate) async fn op_serve_stream_write(
  state: Rc<RefCell<OpState>>,
  #[smi] stream: u32,
  #[buffer] chunk: JsBuffer,
) -> bool {
  match stream_sender(&state, stream) {
    Some(tx) => tx
      .send(Ok(Frame::data(Bytes::copy_from_slice(&chunk))))
      .await
      .is_ok(),
    None => false,
  }
}

/// Sends the trailers after the last chunk (rt's `init.trailers`): a
/// trailing HEADERS frame on HTTP/2; on chunked HTTP/1.1 the fields the
/// `Trailer` header names, if the request said `TE: trailers` (hyper keeps
/// to RFC 9110 §6.5). Resolves `false` once the client has gone.
#[op2]
pub(crate) async fn op_serve_stream_trailers(
  state: Rc<RefCell<OpState>>,
  #[smi] stream: u32,
  #[serde] fields: Vec<(ByteString, ByteString)>,
) -> Result<bool, ServeError> {
  let mut trailers = http::HeaderMap::new();
  append_fields(&mut trailers, fields, "trailer")?;
  Ok(match stream_sender(&state, stream) {
    Some(tx) => tx.send(Ok(Frame::trailers(trailers))).await.is_ok(),
    None => false,
  })
}

/// Ends a streamed response; with an error message, aborts it instead.
#[op2]
pub(crate) fn op_serve_stream_close(
  state: &mut OpState,
  #[smi] stream: u32,
  #[string] error: Option<String>,
) {
  let tx = state.borrow_mut::<ServeState>().streams.remove(&stream);
  if let (Some(tx), Some(message)) = (tx, error) {
    let _ = tx.try_send(Err(StreamAborted(message)));
  }
}
