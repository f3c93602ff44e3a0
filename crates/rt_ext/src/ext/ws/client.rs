//! Ops for the web `WebSocket` client in `41_websocket.js`. Sending,
//! closing and `bufferedAmount` share the socket ops in `socket.rs`;
//! here are connecting and the client event queue.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use deno_core::ByteString;
use deno_core::OpState;
use deno_core::op2;

use super::socket::JsPayload;
use super::socket::WsState;
use super::socket::message_taken;
use super::socket::take_event;
use crate::client::tls::TlsOptions;
use crate::client::ws::ConnectRequest;
use crate::errors::Code;
use crate::errors::CodedError;
use crate::ws::ConnOptions;
use crate::ws::Events;
use crate::ws::Hub;
use crate::ws::Payload;
use crate::ws::SendLimits;

/// Errors from `new WebSocket(...)` that JS did not catch first.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum WsClientError {
  /// A header HTTP cannot carry (`Invalid header: {name}`).
  #[class(inherit)]
  #[error(transparent)]
  Header(CodedError),
  /// Not a ws:/wss: URL.
  #[class(type)]
  #[error("Invalid WebSocket URL: {0}")]
  Url(String),
}

/// The runtime's client sockets: one event queue, and a hub they never
/// publish to.
#[derive(Default)]
pub struct WsClientState {
  events: Rc<Events>,
  hub: Arc<Hub>,
}

/// Largest message a client accepts (tungstenite's default, Bun's too).
const CLIENT_MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// Starts connecting; events (open or error, then close) follow.
#[op2]
#[smi]
pub(crate) fn op_ws_connect(
  state: &mut OpState,
  #[string] url: String,
  #[serde] protocols: Vec<String>,
  #[serde] headers: Vec<(ByteString, ByteString)>,
  #[serde] tls: Option<TlsOptions>,
) -> Result<u32, WsClientError> {
  let url =
    url::Url::parse(&url).map_err(|_| WsClientError::Url(url.clone()))?;
  if url.scheme() != "ws" && url.scheme() != "wss" {
    return Err(WsClientError::Url(url.to_string()));
  }
  let extra = crate::ext::header_map(headers).map_err(|name| {
    WsClientError::Header(CodedError::new(
      Code::InvalidHttpToken,
      format!("Invalid header: {name}"),
    ))
  })?;
  let options = ConnOptions {
    max_payload_length: CLIENT_MAX_MESSAGE,
    idle_timeout: None,
    send_pings: false,
    report_peer_answer: true,
  };
  let config = options.config();
  let request = ConnectRequest {
    url,
    protocols,
    headers: extra,
    tls: tls.unwrap_or_default(),
  };
  let client = state.borrow::<WsClientState>();
  let registry = state.borrow::<WsState>().sockets.clone();
  Ok(crate::ws::spawn(
    &registry,
    &client.events,
    client.hub.clone(),
    SendLimits::UNLIMITED,
    options,
    async move {
      let connected = crate::client::ws::connect(request, config).await?;
      Ok((connected.ws, Payload::Text(connected.protocol.into())))
    },
  ))
}

/// The next client socket event (see `op_serve_ws_take`).
#[op2]
pub(crate) fn op_ws_client_take(
  state: &mut OpState,
  #[buffer] out: &mut [u32],
) -> JsPayload {
  let events = state.borrow::<WsClientState>().events.clone();
  let payload = take_event(Some(&events), out);
  message_taken(state, out);
  payload
}

/// Waits for a client socket event; `false` when no socket is left.
#[op2]
pub(crate) async fn op_ws_client_wait(state: Rc<RefCell<OpState>>) -> bool {
  let events = state.borrow().borrow::<WsClientState>().events.clone();
  events.wait(|| false).await
}
