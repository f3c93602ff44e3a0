//! `rt_ws`: WebSockets by id, whichever end they are (send, pub/sub,
//! close), and the web `WebSocket` client; the connections run in
//! [`crate::ws`].

pub mod client;
pub mod socket;

deno_core::extension!(
  rt_ws,
  deps = [rt_http],
  ops = [
    socket::op_ws_send_text,
    socket::op_ws_send_binary,
    socket::op_ws_control,
    socket::op_ws_publish,
    socket::op_ws_subscribe,
    socket::op_ws_unsubscribe,
    socket::op_ws_is_subscribed,
    socket::op_ws_subscriptions,
    socket::op_ws_close,
    socket::op_ws_terminate,
    socket::op_ws_buffered,
    client::op_ws_connect,
    client::op_ws_client_take,
    client::op_ws_client_wait,
  ],
  state = |state| {
    state.put(socket::WsState::default());
    state.put(client::WsClientState::default());
  },
  customizer = |ext: &mut deno_core::Extension| {
    super::with_scripts(ext, super::files::WS);
  },
);
