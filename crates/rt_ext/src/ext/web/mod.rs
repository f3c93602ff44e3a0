//! `rt_web`: the globals every script has. deno_web's classes installed
//! lazily (`00_web.js`), rt's coded errors (`01_errors.js`), `process`,
//! `console` in Bun's layout, timers, `crypto` (and the running digests
//! `Bun.CryptoHasher` and `node:crypto` share), `structuredClone`,
//! `location` for pages, and Web Workers.

pub mod crypto;
pub mod digest;
pub mod process;
pub mod worker;

use process::ProcessState;

deno_core::extension!(
  rt_web,
  deps = [deno_webidl, deno_web],
  ops = [
    crate::errors::op_rt_error_codes,
    process::op_rt_process_info,
    process::op_rt_env,
    process::op_rt_set_exit_code,
    process::op_rt_exit,
    process::op_rt_nanoseconds,
    process::op_rt_isatty,
    process::op_rt_rss,
    crypto::op_rt_random_fill,
    crypto::op_rt_random_uuid,
    digest::op_hasher_algorithms,
    digest::op_hasher_new,
    digest::op_hasher_size,
    digest::op_hasher_update,
    digest::op_hasher_update_str,
    digest::op_hasher_digest,
    digest::op_hasher_digest_text,
    digest::op_hasher_copy,
    worker::op_worker_create,
    worker::op_worker_event,
    worker::op_worker_terminate,
    worker::op_worker_scope,
    worker::op_worker_exit,
    worker::op_worker_load_script,
  ],
  options = { process: ProcessState },
  state = |state, options| {
    state.put(options.process);
  },
  customizer = |ext: &mut deno_core::Extension| {
    super::with_scripts(ext, super::files::WEB);
  },
);
