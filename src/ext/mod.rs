//! The `rt` deno_core extension: rt's own ops and the JS shim in `js/`.
//!
//! deno_web and deno_webidl only register their scripts; `js/00_web.js`
//! installs their classes as lazy globals so that a script pays only for the
//! web APIs it touches.

pub mod crypto;
pub mod process;

use std::sync::Arc;

use deno_core::Extension;
use process::ProcessState;

/// Every extension a runtime needs, in load order.
pub fn extensions(process: ProcessState) -> Vec<Extension> {
  vec![
    deno_webidl::deno_webidl::init(),
    deno_web::deno_web::init(
      Arc::new(deno_web::BlobStore::default()),
      None,
      false,
      deno_web::InMemoryBroadcastChannel::default(),
    ),
    rt::init(process),
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
    "99_main.js",
  ],
  options = { process: ProcessState },
  state = |state, options| {
    state.put(options.process);
  },
);
