//! Ops adapting [`crate::server::ws`] to `server.upgrade`, the `websocket`
//! handler and `ServerWebSocket` in `js/71_server_websocket.js`.
//!
//! Events reach JS the way requests do: a fast op takes the next one
//! (kind, socket and close code written into a shared `Uint32Array`, the
//! payload returned), and an async op waits when the queue is empty.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use deno_core::ByteString;
use deno_core::OpState;
use deno_core::ToV8;
use deno_core::op2;
use deno_core::v8;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Message;

use super::serve::ServeState;
use crate::errors::Code;
use crate::errors::Coded;
use crate::server::upgrade::upgrade;
use crate::server::ws::WsOptions;
use crate::server::ws::WsServer;
use crate::util::headers::from_pairs;
use crate::ws::EventKind;
use crate::ws::Events;
use crate::ws::Payload;
use crate::ws::Socket;

/// Errors from WebSocket ops.
#[derive(Debug, thiserror::Error)]
pub enum WsOpError {
  /// A header JS passed to `upgrade()` that HTTP cannot carry.
  #[error("Invalid header in upgrade(): {0}")]
  Header(String),
}

impl Coded for WsOpError {
  fn code(&self) -> Code {
    match self {
      Self::Header(_) => Code::InvalidHttpToken,
    }
  }
}

crate::coded_error!(WsOpError);

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
pub fn op_ws_configure(
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
      // Server ids count from 1 in start order: id - 1 names the same
      // server in every worker.
      let hub = state
        .try_borrow::<crate::server::group::GroupMember>()
        .map_or_else(Arc::default, |member| {
          member.group.hub(id.saturating_sub(1) as usize)
        });
      server.set_websocket(Some(Rc::new(WsServer::new(
        options,
        serve.sockets().clone(),
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
pub fn op_ws_upgrade(
  state: &mut OpState,
  #[smi] request: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
) -> Result<u32, WsOpError> {
  let extra =
    from_pairs(headers).map_err(|bad| WsOpError::Header(bad.into_name()))?;
  let serve = state.borrow::<ServeState>();
  Ok(upgrade(serve.requests(), request, &extra))
}

/// An event's payload as JS receives it.
pub struct JsPayload(Payload);

impl<'a> ToV8<'a> for JsPayload {
  type Error = deno_error::JsErrorBox;

  fn to_v8<'i>(
    self,
    scope: &mut v8::PinScope<'a, 'i>,
  ) -> Result<v8::Local<'a, v8::Value>, Self::Error> {
    match self.0 {
      Payload::None => Ok(v8::null(scope).into()),
      Payload::Text(text) => v8::String::new_from_utf8(
        scope,
        text.as_bytes(),
        v8::NewStringType::Normal,
      )
      .map(Into::into)
      .ok_or_else(|| deno_error::JsErrorBox::type_error("string too long")),
      Payload::Binary(bytes) => {
        deno_core::convert::Uint8Array::from(bytes.to_vec()).to_v8(scope)
      }
    }
  }
}

/// The next socket event of a server: writes `[kind, socket, code, clean]`
/// into `out` (kind 0: none) and returns the payload.
#[op2]
pub fn op_ws_take(
  state: &mut OpState,
  #[smi] server: u32,
  #[buffer] out: &mut [u32],
) -> JsPayload {
  let events = state
    .borrow::<ServeState>()
    .server_by_id(server)
    .and_then(|s| s.websocket())
    .map(|ws| ws.events.clone());
  let payload = take_event(events.as_deref(), out);
  message_taken(state, out);
  payload
}

/// Tells a socket JS took one of its messages (`out` as [`take_event`]
/// filled it).
pub(crate) fn message_taken(state: &OpState, out: &[u32]) {
  let kind = out.first().copied().unwrap_or(0);
  if (kind == EventKind::Text as u32 || kind == EventKind::Binary as u32)
    && let Some(socket) = out.get(1).and_then(|id| socket(state, *id))
  {
    socket.message_taken();
  }
}

/// Takes the next event of `events` for JS (see [`op_ws_take`]).
pub(crate) fn take_event(
  events: Option<&Events>,
  out: &mut [u32],
) -> JsPayload {
  let Some(event) = events.and_then(Events::take) else {
    if let Some(kind) = out.first_mut() {
      *kind = 0;
    }
    return JsPayload(Payload::None);
  };
  if out.len() >= 4 {
    out[0] = event.kind as u32;
    out[1] = event.socket;
    out[2] = u32::from(event.code);
    out[3] = u32::from(event.clean);
  }
  JsPayload(event.payload)
}

/// Waits for a socket event; `false` once the server stopped and its last
/// socket closed.
#[op2]
pub async fn op_ws_wait(
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

pub(crate) fn socket(state: &OpState, id: u32) -> Option<Arc<Socket>> {
  state
    .borrow::<ServeState>()
    .sockets()
    .borrow()
    .get(&id)
    .cloned()
}

fn send_result(n: i64) -> i32 {
  i32::try_from(n).unwrap_or(i32::MAX)
}

/// `ws.send(text)`: bytes queued, -1 (backpressure) or 0 (dropped).
#[op2(fast)]
pub fn op_ws_send_text(
  state: &mut OpState,
  #[smi] id: u32,
  #[string] text: String,
) -> i32 {
  socket(state, id).map_or(0, |s| send_result(s.send(Message::text(text))))
}

/// `ws.send(bytes)`: the bytes are copied (the script may reuse its buffer).
#[op2(fast)]
pub fn op_ws_send_binary(
  state: &mut OpState,
  #[smi] id: u32,
  #[buffer] bytes: &[u8],
) -> i32 {
  socket(state, id).map_or(0, |s| {
    send_result(s.send(Message::Binary(Bytes::copy_from_slice(bytes))))
  })
}

/// `ws.ping(data)` / `ws.pong(data)`.
#[op2(fast)]
pub fn op_ws_control(
  state: &mut OpState,
  #[smi] id: u32,
  #[buffer] bytes: &[u8],
  pong: bool,
) -> i32 {
  let data = Bytes::copy_from_slice(&bytes[..bytes.len().min(125)]);
  let message = if pong {
    Message::Pong(data)
  } else {
    Message::Ping(data)
  };
  socket(state, id).map_or(0, |s| send_result(s.send(message)))
}

/// `ws.publish*` (from socket `id`, excluding it unless `to_self`) or
/// `server.publish` (`id` is then the server). One frame, queued natively
/// on every subscriber.
#[op2]
pub fn op_ws_publish(
  state: &mut OpState,
  #[smi] id: u32,
  from_server: bool,
  to_self: bool,
  #[string] topic: &str,
  #[string] text: Option<String>,
  #[buffer] bytes: Option<&[u8]>,
) -> i32 {
  let message = match (text, bytes) {
    (Some(text), _) => Message::text(text),
    (None, Some(bytes)) => Message::Binary(Bytes::copy_from_slice(bytes)),
    (None, None) => return 0,
  };
  if from_server {
    let hub = state
      .borrow::<ServeState>()
      .server_by_id(id)
      .and_then(|s| s.websocket())
      .map(|ws| ws.hub.clone());
    return hub.map_or(0, |hub| send_result(hub.publish(topic, message, None)));
  }
  let Some(socket) = socket(state, id) else {
    return 0;
  };
  let exclude = (!to_self).then_some(socket.id());
  send_result(socket.hub().publish(topic, message, exclude))
}

/// `ws.subscribe(topic)`.
#[op2(fast)]
pub fn op_ws_subscribe(
  state: &mut OpState,
  #[smi] id: u32,
  #[string] topic: &str,
) -> bool {
  socket(state, id).is_some_and(|s| s.hub().subscribe(&s, topic))
}

/// `ws.unsubscribe(topic)`.
#[op2(fast)]
pub fn op_ws_unsubscribe(
  state: &mut OpState,
  #[smi] id: u32,
  #[string] topic: &str,
) -> bool {
  socket(state, id).is_some_and(|s| s.hub().unsubscribe(&s, topic))
}

/// `ws.isSubscribed(topic)`.
#[op2(fast)]
pub fn op_ws_is_subscribed(
  state: &mut OpState,
  #[smi] id: u32,
  #[string] topic: &str,
) -> bool {
  socket(state, id).is_some_and(|s| s.is_subscribed(topic))
}

/// `ws.subscriptions`.
#[op2]
#[serde]
pub fn op_ws_subscriptions(state: &mut OpState, #[smi] id: u32) -> Vec<String> {
  socket(state, id)
    .map(|s| s.subscriptions())
    .unwrap_or_default()
}

/// `server.subscriberCount(topic)`.
#[op2(fast)]
#[smi]
pub fn op_ws_subscriber_count(
  state: &mut OpState,
  #[smi] server: u32,
  #[string] topic: &str,
) -> u32 {
  state
    .borrow::<ServeState>()
    .server_by_id(server)
    .and_then(|s| s.websocket())
    .map_or(0, |ws| {
      u32::try_from(ws.hub.subscriber_count(topic)).unwrap_or(u32::MAX)
    })
}

/// `ws.close(code, reason)` (checked by JS).
#[op2(fast)]
pub fn op_ws_close(
  state: &mut OpState,
  #[smi] id: u32,
  #[smi] code: u32,
  #[string] reason: String,
) {
  if let Some(socket) = socket(state, id) {
    socket.close(u16::try_from(code).unwrap_or(1000), reason);
  }
}

/// `ws.terminate()`.
#[op2(fast)]
pub fn op_ws_terminate(state: &mut OpState, #[smi] id: u32) {
  if let Some(socket) = socket(state, id) {
    socket.terminate();
  }
}

/// `ws.getBufferedAmount()`.
#[op2(fast)]
pub fn op_ws_buffered(state: &mut OpState, #[smi] id: u32) -> f64 {
  socket(state, id).map_or(0.0, |s| s.buffered_amount() as f64)
}
