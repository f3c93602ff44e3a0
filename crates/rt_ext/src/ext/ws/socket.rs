//! Ops on a WebSocket by its id, whichever end it is (`ServerWebSocket`
//! of `Bun.serve`, or the `WebSocket` client): send, control frames,
//! pub/sub topics, close; and how events reach JS.
//!
//! Events reach JS the way requests do: a fast op takes the next one
//! (kind, socket and close code written into a shared `Uint32Array`, the
//! payload returned), and an async op waits when the queue is empty.

use std::sync::Arc;

use bytes::Bytes;
use deno_core::OpState;
use deno_core::ToV8;
use deno_core::op2;
use deno_core::v8;
use tokio_tungstenite::tungstenite::Message;

use crate::ws::EventKind;
use crate::ws::Events;
use crate::ws::Payload;
use crate::ws::Registry;
use crate::ws::Socket;

/// Per-runtime WebSocket state in `OpState`: every open socket, server's
/// and client's, by id.
#[derive(Default)]
pub struct WsState {
  /// The open sockets.
  pub sockets: Registry,
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

/// Takes the next event of `events` for JS: writes `[kind, socket, code,
/// clean]` into `out` (kind 0: none) and returns the payload.
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

/// The open socket with this id, server's or client's.
pub(crate) fn socket(state: &OpState, id: u32) -> Option<Arc<Socket>> {
  state.borrow::<WsState>().sockets.borrow().get(&id).cloned()
}

/// `ws.send(text)`: bytes queued, -1 (backpressure) or 0 (dropped).
#[op2(fast)]
pub(crate) fn op_ws_send_text(
  state: &mut OpState,
  #[smi] id: u32,
  #[string] text: String,
) -> i32 {
  socket(state, id).map_or(0, |s| send_result(s.send(Message::text(text))))
}

/// `ws.send(bytes)`: the bytes are copied (the script may reuse its buffer).
#[op2(fast)]
pub(crate) fn op_ws_send_binary(
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
pub(crate) fn op_ws_control(
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

/// `ws.publish*`: one frame from socket `id` (excluded unless `to_self`),
/// queued natively on every subscriber of `topic`.
#[op2]
pub(crate) fn op_ws_publish(
  state: &mut OpState,
  #[smi] id: u32,
  to_self: bool,
  #[string] topic: &str,
  #[string] text: Option<String>,
  #[buffer] bytes: Option<&[u8]>,
) -> i32 {
  let Some(message) = message_of(text, bytes) else {
    return 0;
  };
  let Some(socket) = socket(state, id) else {
    return 0;
  };
  let exclude = (!to_self).then_some(socket.id());
  send_result(socket.hub().publish(topic, message, exclude))
}

/// The frame a publish sends: text, else bytes (copied: the script may
/// reuse its buffer).
pub(crate) fn message_of(
  text: Option<String>,
  bytes: Option<&[u8]>,
) -> Option<Message> {
  match (text, bytes) {
    (Some(text), _) => Some(Message::text(text)),
    (None, Some(bytes)) => Some(Message::Binary(Bytes::copy_from_slice(bytes))),
    (None, None) => None,
  }
}

/// What a send or publish reports to JS: bytes queued, -1 (backpressure)
/// or 0 (dropped).
pub(crate) fn send_result(n: i64) -> i32 {
  i32::try_from(n).unwrap_or(i32::MAX)
}

/// `ws.subscribe(topic)`.
#[op2(fast)]
pub(crate) fn op_ws_subscribe(
  state: &mut OpState,
  #[smi] id: u32,
  #[string] topic: &str,
) -> bool {
  socket(state, id).is_some_and(|s| s.hub().subscribe(&s, topic))
}

/// `ws.unsubscribe(topic)`.
#[op2(fast)]
pub(crate) fn op_ws_unsubscribe(
  state: &mut OpState,
  #[smi] id: u32,
  #[string] topic: &str,
) -> bool {
  socket(state, id).is_some_and(|s| s.hub().unsubscribe(&s, topic))
}

/// `ws.isSubscribed(topic)`.
#[op2(fast)]
pub(crate) fn op_ws_is_subscribed(
  state: &mut OpState,
  #[smi] id: u32,
  #[string] topic: &str,
) -> bool {
  socket(state, id).is_some_and(|s| s.is_subscribed(topic))
}

/// `ws.subscriptions`.
#[op2]
#[serde]
pub(crate) fn op_ws_subscriptions(
  state: &mut OpState,
  #[smi] id: u32,
) -> Vec<String> {
  socket(state, id)
    .map(|s| s.subscriptions())
    .unwrap_or_default()
}

/// `ws.close(code, reason)` (checked by JS).
#[op2(fast)]
pub(crate) fn op_ws_close(
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
pub(crate) fn op_ws_terminate(state: &mut OpState, #[smi] id: u32) {
  if let Some(socket) = socket(state, id) {
    socket.terminate();
  }
}

/// `ws.getBufferedAmount()`.
#[op2(fast)]
pub(crate) fn op_ws_buffered(state: &mut OpState, #[smi] id: u32) -> f64 {
  socket(state, id).map_or(0.0, |s| s.buffered_amount() as f64)
}
