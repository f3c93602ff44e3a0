//! Ops adapting [`crate::server::ws`] to `Bun.serve`'s `websocket` handler
//! and `server.upgrade`: a server's WebSocket side, and its queue of socket
//! events (the sockets themselves are `ext/ws/socket.rs`'s).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use deno_core::ByteString;
use deno_core::OpState;
use deno_core::op2;
use serde::Deserialize;

use super::state::ServeState;
use super::state::ordinal;
use crate::errors::Code;
use crate::errors::CodedError;
use crate::ext::http::incoming::requests;
use crate::ext::ws::socket::JsPayload;
use crate::ext::ws::socket::WsState;
use crate::ext::ws::socket::message_of;
use crate::ext::ws::socket::message_taken;
use crate::ext::ws::socket::send_result;
use crate::ext::ws::socket::take_event;
use crate::server::upgrade::upgrade;
use crate::server::ws::WsOptions;
use crate::server::ws::WsServer;

/// The `websocket` handler's options as JS passes them (already checked).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WsOptionsJs {
  max_payload_length: usize,
  /// Seconds; 0 disables.
  idle_timeout: f64,
  backpressure_limit: usize,
  close_on_backpressure_limit: bool,
  send_pings: bool,
  per_message_deflate: bool,
}

/// Gives a server its WebSocket side, or updates its options (reload).
#[op2]
pub(crate) fn op_serve_ws_configure(
  state: &mut OpState,
  #[smi] id: u32,
  #[serde] options: WsOptionsJs,
) {
  let serve = state.borrow::<ServeState>();
  let Some(server) = serve.server_by_id(id) else {
    return;
  };
  let options = WsOptions {
    max_payload_length: options.max_payload_length,
    idle_timeout: (options.idle_timeout > 0.0)
      .then(|| Duration::from_secs_f64(options.idle_timeout)),
    backpressure_limit: options.backpressure_limit,
    close_on_backpressure_limit: options.close_on_backpressure_limit,
    send_pings: options.send_pings,
    publish_to_self: false,
    per_message_deflate: options.per_message_deflate,
  };
  match server.websocket() {
    Some(ws) => *ws.options.borrow_mut() = options,
    None => {
      let hub = state
        .try_borrow::<crate::server::group::GroupMember>()
        .map_or_else(Arc::default, |member| member.hub(ordinal(id)));
      server.set_websocket(Some(Rc::new(WsServer::new(
        options,
        state.borrow::<WsState>().sockets.clone(),
        hub,
      ))))
    }
  }
}

/// `server.upgrade(req, { headers })`: answers the request with 101 and
/// returns the new socket's id, or 0 when the request is not a valid
/// WebSocket handshake (or was already answered).
#[op2]
#[smi]
pub(crate) fn op_serve_upgrade(
  state: &mut OpState,
  #[smi] request: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
) -> Result<u32, CodedError> {
  let extra = crate::ext::header_map(headers).map_err(|name| {
    CodedError::new(
      Code::InvalidHttpToken,
      format!("Invalid header in upgrade(): {name}"),
    )
  })?;
  Ok(upgrade(requests(state), request, &extra))
}

/// The next socket event of a server: writes `[kind, socket, code, clean]`
/// into `out` (kind 0: none) and returns the payload.
#[op2]
pub(crate) fn op_serve_ws_take(
  state: &mut OpState,
  #[smi] server: u32,
  #[buffer] out: &mut [u32],
) -> JsPayload {
  let events = state
    .borrow::<ServeState>()
    .websocket(server)
    .map(|ws| ws.events.clone());
  let payload = take_event(events.as_deref(), out);
  message_taken(state, out);
  payload
}

/// Waits for a socket event; `false` once the server stopped and its last
/// socket closed.
#[op2]
pub(crate) async fn op_serve_ws_wait(
  state: Rc<RefCell<OpState>>,
  #[smi] server: u32,
) -> bool {
  let found = state.borrow().borrow::<ServeState>().server_by_id(server);
  let Some(server) = found else {
    return false;
  };
  let Some(ws) = server.websocket() else {
    return false;
  };
  let events = ws.events.clone();
  events.wait(|| !server.is_stopping()).await
}

/// `server.publish(topic, data)`: one frame to every subscriber of `topic`
/// on server `server`'s hub (every replica's with `--workers`).
#[op2]
pub(crate) fn op_serve_publish(
  state: &mut OpState,
  #[smi] server: u32,
  #[string] topic: &str,
  #[string] text: Option<String>,
  #[buffer] bytes: Option<&[u8]>,
) -> i32 {
  let Some(message) = message_of(text, bytes) else {
    return 0;
  };
  let hub = state
    .borrow::<ServeState>()
    .websocket(server)
    .map(|ws| ws.hub.clone());
  hub.map_or(0, |hub| send_result(hub.publish(topic, message, None)))
}

/// `server.subscriberCount(topic)`.
#[op2(fast)]
#[smi]
pub(crate) fn op_serve_subscriber_count(
  state: &mut OpState,
  #[smi] server: u32,
  #[string] topic: &str,
) -> u32 {
  state
    .borrow::<ServeState>()
    .websocket(server)
    .map_or(0, |ws| {
      u32::try_from(ws.hub.subscriber_count(topic)).unwrap_or(u32::MAX)
    })
}

/// `server.pendingWebSockets`: the server's WebSockets still open.
#[op2(fast)]
#[smi]
pub(crate) fn op_serve_pending_websockets(
  state: &mut OpState,
  #[smi] server: u32,
) -> u32 {
  state
    .borrow::<ServeState>()
    .websocket(server)
    .map_or(0, |ws| u32::try_from(ws.events.live()).unwrap_or(u32::MAX))
}
