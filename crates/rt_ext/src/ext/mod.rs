//! The `rt` deno_core extension: rt's own ops and the JS shim in `js/`.
//!
//! deno_web and deno_webidl only register their scripts; `js/00_web.js`
//! installs their classes as lazy globals so that a script pays only for the
//! web APIs it touches.

pub mod bun;
pub mod crypto;
pub mod fetch;
pub mod file;
pub mod hash;
pub mod modules;
pub mod net;
pub mod node;
pub mod process;
pub mod redis;
pub mod serve;
pub mod test;
pub mod worker;
pub mod ws;
pub mod ws_client;

use std::sync::Arc;

use deno_core::ByteString;
use deno_core::Extension;
use http::HeaderMap;
use process::ProcessState;

/// Header pairs from JS as a `HeaderMap` (order and repeats kept); the
/// error is the name of the first header HTTP cannot carry.
pub(crate) fn header_map(
  list: Vec<(ByteString, ByteString)>,
) -> Result<HeaderMap, String> {
  crate::util::headers::from_pairs(list).map_err(|bad| bad.into_name())
}

/// Runs `work` on tokio's blocking pool, off the event loop; a task that
/// panicked or was cancelled becomes the error `lost` makes of its message.
pub(crate) async fn off_thread<T: Send + 'static, E: Send + 'static>(
  work: impl FnOnce() -> Result<T, E> + Send + 'static,
  lost: impl FnOnce(String) -> E,
) -> Result<T, E> {
  tokio::task::spawn_blocking(work)
    .await
    .unwrap_or_else(|e| Err(lost(e.to_string())))
}

/// Gives a page's runtime its URL where deno_web reads it (the origin of
/// the `blob:` URLs `URL.createObjectURL` makes).
pub fn set_location(state: &mut deno_core::OpState, url: url::Url) {
  state.put(deno_web::Location(url));
}

/// Every extension a runtime needs, in load order. `serve` carries the
/// `rt serve` flags (none under `rt run`).
pub fn extensions(
  process: ProcessState,
  serve: Option<serve::ServeOverrides>,
) -> Vec<Extension> {
  vec![
    deno_webidl::deno_webidl::init(),
    deno_web::deno_web::init(
      Arc::new(deno_web::BlobStore::default()),
      None,
      false,
      deno_web::InMemoryBroadcastChannel::default(),
    ),
    rt::init(process, serve),
  ]
}

deno_core::extension!(
  rt,
  deps = [deno_webidl, deno_web],
  ops = [
    process::op_rt_process_info,
    process::op_rt_env,
    process::op_rt_set_exit_code,
    process::op_rt_exit,
    process::op_rt_nanoseconds,
    process::op_rt_isatty,
    process::op_rt_rss,
    crypto::op_rt_random_fill,
    crypto::op_rt_random_uuid,
    hash::op_bun_hash_algorithms,
    hash::op_bun_hasher_new,
    hash::op_bun_hasher_size,
    hash::op_bun_hasher_update,
    hash::op_bun_hasher_update_str,
    hash::op_bun_hasher_digest,
    hash::op_bun_hasher_digest_text,
    hash::op_bun_hasher_copy,
    hash::op_bun_digest_once,
    hash::op_bun_digest_once_str,
    hash::op_bun_digest_once_text,
    hash::op_bun_digest_once_str_text,
    hash::op_bun_escape_html,
    hash::op_bun_hash,
    hash::op_bun_hash_str,
    hash::op_bun_hash_high,
    hash::op_bun_password_hash,
    hash::op_bun_password_hash_sync,
    hash::op_bun_password_verify,
    hash::op_bun_password_verify_sync,
    bun::op_bun_zlib,
    bun::op_bun_zlib_async,
    bun::op_bun_which,
    bun::op_bun_sleep_sync,
    redis::op_redis_open,
    redis::op_redis_batch,
    redis::op_redis_command_bytes,
    redis::op_redis_command_buffer,
    redis::op_redis_connect,
    redis::op_redis_subscription,
    redis::op_redis_stop,
    redis::op_redis_next_message,
    fetch::op_fetch_start,
    fetch::op_fetch_get,
    fetch::op_fetch_set_defaults,
    fetch::op_fetch_read_text,
    fetch::op_fetch_text_now,
    fetch::op_fetch_send,
    fetch::op_fetch_upload,
    fetch::op_fetch_upload_end,
    fetch::op_fetch_identity_next,
    fetch::op_fetch_identity_reply,
    fetch::op_fetch_read,
    fetch::op_fetch_read_all,
    fetch::op_fetch_abort,
    serve::op_rt_serve_overrides,
    serve::op_serve_start,
    serve::op_serve_take,
    serve::op_serve_wait,
    serve::op_serve_method,
    serve::op_serve_url,
    serve::op_serve_headers,
    serve::op_serve_params,
    serve::op_serve_request_ip,
    serve::op_serve_has_body,
    serve::op_serve_body_chunk,
    serve::op_serve_body_all,
    serve::op_serve_client_gone,
    serve::op_serve_respond_text,
    serve::op_serve_respond,
    serve::op_serve_respond_bytes,
    serve::op_serve_respond_file,
    serve::op_serve_respond_piped,
    serve::op_serve_respond_stream,
    serve::op_serve_stream_write,
    serve::op_serve_stream_close,
    serve::op_serve_pending,
    serve::op_serve_timeout,
    serve::op_serve_reload,
    serve::op_serve_reload_tls,
    serve::op_serve_stream_trailers,
    serve::op_serve_peer_certificate,
    serve::op_serve_stop,
    serve::op_serve_closed,
    ws::op_ws_configure,
    ws::op_ws_upgrade,
    ws::op_ws_take,
    ws::op_ws_wait,
    ws::op_ws_send_text,
    ws::op_ws_send_binary,
    ws::op_ws_control,
    ws::op_ws_publish,
    ws::op_ws_subscribe,
    ws::op_ws_unsubscribe,
    ws::op_ws_is_subscribed,
    ws::op_ws_subscriptions,
    ws::op_ws_subscriber_count,
    ws::op_ws_close,
    ws::op_ws_terminate,
    ws::op_ws_buffered,
    ws_client::op_ws_connect,
    ws_client::op_ws_client_take,
    ws_client::op_ws_client_wait,
    modules::op_rt_require_resolve,
    modules::op_rt_require_load,
    file::op_bun_file_type,
    file::op_bun_write,
    file::op_bun_write_sync,
    file::op_bun_file_delete,
    node::op_node_fs_read_sync,
    node::op_node_fs_read,
    node::op_node_fs_write_sync,
    node::op_node_fs_write,
    node::op_node_fs_stat_sync,
    node::op_node_fs_stat,
    node::op_node_fs_readdir_sync,
    node::op_node_fs_readdir,
    node::op_node_fs_mkdir_sync,
    node::op_node_fs_mkdir,
    node::op_node_fs_rm_sync,
    node::op_node_fs_rm,
    node::op_node_fs_exists_sync,
    node::op_node_os_info,
    net::op_net_listen,
    net::op_net_accept,
    net::op_net_connect,
    net::op_net_read,
    net::op_net_write,
    net::op_net_try_write,
    net::op_net_writable,
    net::op_net_shutdown,
    net::op_net_set_nodelay,
    net::op_net_set_keepalive,
    net::op_net_close,
    net::op_net_lookup,
    test::op_test_config,
    test::op_test_report,
    test::op_test_certificate,
    worker::op_worker_create,
    worker::op_worker_event,
    worker::op_worker_terminate,
    worker::op_worker_scope,
    worker::op_worker_exit,
    worker::op_worker_load_script,
  ],
  esm_entry_point = "ext:rt/99_main.js",
  esm = [
    dir "js",
    "00_web.js",
    "10_console.js",
    "20_timers.js",
    "30_crypto.js",
    "40_process.js",
    "50_bun.js",
    "51_file.js",
    "52_cookie.js",
    "53_clone.js",
    "59_mime.js",
    "60_headers.js",
    "61_body.js",
    "62_formdata.js",
    "63_request.js",
    "64_response.js",
    "65_server_websocket.js",
    "66_worker.js",
    "70_serve.js",
    "79_scheme_fetch.js",
    "80_fetch.js",
    "85_websocket.js",
    "86_eventsource.js",
    "90_location.js",
    "99_main.js",
  ],
  // Node built-ins: scripts evaluated on first import or require, each
  // returning its exports object (the synthetic ES module's exports).
  lazy_loaded_js = [
    dir "js",
    "node/_errors.js",
    "node/assert.js",
    "node/async_hooks.js",
    "node/buffer.js",
    "node/crypto.js",
    "node/diagnostics_channel.js",
    "node/dns.js",
    "node/events.js",
    "node/fs.js",
    "node/fs_promises.js",
    "node/module.js",
    "node/net.js",
    "node/os.js",
    "node/path.js",
    "node/process.js",
    "node/stream.js",
    "node/string_decoder.js",
    "node/timers.js",
    "node/tls.js",
    "node/tty.js",
    "node/url.js",
    "node/util.js",
    "bun/asymmetric.js",
    "bun/bun.js",
    "bun/equals.js",
    "bun/expect.js",
    "bun/format.js",
    "bun/harness.js",
    "bun/hash.js",
    "bun/inspect.js",
    "bun/password.js",
    "bun/redis.js",
    "bun/util.js",
    "bun/internal_for_testing.js",
    "bun/jsc.js",
    "bun/mock.js",
    "bun/report.js",
    "bun/socket.js",
    "bun/test.js",
  ],
  synthetic_esm = [
    "node:assert" = "ext:rt/node/assert.js",
    "node:async_hooks" = "ext:rt/node/async_hooks.js",
    "node:buffer" = "ext:rt/node/buffer.js",
    "node:crypto" = "ext:rt/node/crypto.js",
    "node:diagnostics_channel" = "ext:rt/node/diagnostics_channel.js",
    "node:dns" = "ext:rt/node/dns.js",
    "node:events" = "ext:rt/node/events.js",
    "node:fs" = "ext:rt/node/fs.js",
    "node:fs/promises" = "ext:rt/node/fs_promises.js",
    "node:module" = "ext:rt/node/module.js",
    "node:net" = "ext:rt/node/net.js",
    "node:os" = "ext:rt/node/os.js",
    "node:path" = "ext:rt/node/path.js",
    "node:path/posix" = "ext:rt/node/path.js",
    "node:process" = "ext:rt/node/process.js",
    "node:stream" = "ext:rt/node/stream.js",
    "node:string_decoder" = "ext:rt/node/string_decoder.js",
    "node:timers" = "ext:rt/node/timers.js",
    "node:tls" = "ext:rt/node/tls.js",
    "node:tty" = "ext:rt/node/tty.js",
    "node:url" = "ext:rt/node/url.js",
    "node:util" = "ext:rt/node/util.js",
    "bun:main" = "ext:rt/bun/bun.js",
    "bun:test" = "ext:rt/bun/test.js",
    "bun:jsc" = "ext:rt/bun/jsc.js",
    "bun:internal-for-testing" = "ext:rt/bun/internal_for_testing.js",
    "rt:harness" = "ext:rt/bun/harness.js",
  ],
  options = { process: ProcessState, serve: Option<serve::ServeOverrides> },
  state = |state, options| {
    state.put(options.process);
    state.put(serve::ServeState::default());
    state.put(fetch::FetchState::default());
    state.put(ws_client::WsClientState::default());
    if let Some(overrides) = options.serve {
      state.put(overrides);
    }
  },
);
