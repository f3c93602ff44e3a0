//! `rt_serve`: `Bun.serve` on the server in [`crate::server`] (`start`:
//! servers; `request`: what JS reads of a request; `respond`: answering
//! it), and its WebSocket side (`websocket` handler, `server.upgrade`).
//!
//! The hot path is two crossings per request: `op_serve_take` (fast, hands
//! JS a request id plus route and method codes in a shared buffer) and one
//! `op_serve_respond*` call carrying status, headers and body together.
//! Everything else about a request (URL, headers, body) is fetched only if
//! the script reads it.

pub mod request;
pub mod respond;
pub mod start;
pub mod state;
pub mod websocket;

use state::ServeOverrides;
use state::ServeState;

deno_core::extension!(
  rt_serve,
  deps = [rt_http, rt_ws],
  ops = [
    state::op_rt_serve_overrides,
    start::op_serve_start,
    request::op_serve_take,
    request::op_serve_wait,
    request::op_serve_params,
    request::op_serve_request_ip,
    respond::op_serve_respond_text,
    respond::op_serve_respond,
    respond::op_serve_respond_bytes,
    respond::op_serve_respond_file,
    respond::op_serve_respond_piped,
    respond::op_serve_respond_stream,
    respond::op_serve_stream_write,
    respond::op_serve_stream_close,
    start::op_serve_pending,
    request::op_serve_timeout,
    start::op_serve_reload,
    start::op_serve_reload_tls,
    respond::op_serve_stream_trailers,
    request::op_serve_peer_certificate,
    start::op_serve_stop,
    start::op_serve_closed,
    websocket::op_serve_ws_configure,
    websocket::op_serve_upgrade,
    websocket::op_serve_ws_take,
    websocket::op_serve_ws_wait,
    websocket::op_serve_publish,
    websocket::op_serve_subscriber_count,
    websocket::op_serve_pending_websockets,
  ],
  options = { serve: Option<ServeOverrides> },
  state = |state, options| {
    state.put(ServeState::default());
    if let Some(overrides) = options.serve {
      state.put(overrides);
    }
  },
  customizer = |ext: &mut deno_core::Extension| {
    super::with_scripts(ext, super::files::SERVE);
  },
);
