//! `rt_serve`: `Bun.serve` on the server in [`crate::server`], and its
//! WebSocket side (`websocket` handler, `server.upgrade`).

pub mod ops;
pub mod websocket;

use ops::ServeOverrides;

deno_core::extension!(
  rt_serve,
  deps = [rt_http, rt_ws],
  ops = [
    ops::op_rt_serve_overrides,
    ops::op_serve_start,
    ops::op_serve_take,
    ops::op_serve_wait,
    ops::op_serve_method,
    ops::op_serve_url,
    ops::op_serve_headers,
    ops::op_serve_params,
    ops::op_serve_request_ip,
    ops::op_serve_has_body,
    ops::op_serve_body_chunk,
    ops::op_serve_body_all,
    ops::op_serve_client_gone,
    ops::op_serve_respond_text,
    ops::op_serve_respond,
    ops::op_serve_respond_bytes,
    ops::op_serve_respond_file,
    ops::op_serve_respond_piped,
    ops::op_serve_respond_stream,
    ops::op_serve_stream_write,
    ops::op_serve_stream_close,
    ops::op_serve_pending,
    ops::op_serve_timeout,
    ops::op_serve_reload,
    ops::op_serve_reload_tls,
    ops::op_serve_stream_trailers,
    ops::op_serve_peer_certificate,
    ops::op_serve_stop,
    ops::op_serve_closed,
    websocket::op_ws_configure,
    websocket::op_ws_upgrade,
    websocket::op_ws_take,
    websocket::op_ws_wait,
    websocket::op_serve_publish,
    websocket::op_serve_subscriber_count,
    websocket::op_serve_pending_websockets,
  ],
  options = { serve: Option<ServeOverrides> },
  state = |state, options| {
    state.put(ops::ServeState::default());
    if let Some(overrides) = options.serve {
      state.put(overrides);
    }
  },
  customizer = |ext: &mut deno_core::Extension| {
    super::with_scripts(ext, super::files::SERVE);
  },
);
