//! `rt_bun`: the `Bun` global and the `bun` module, made from the surface
//! table ([`crate::ext::surface`]); Bun's utilities (hashing, passwords,
//! compression, `which`...), `Bun.redis`, `Bun.listen`/`Bun.connect`; and
//! `99_main.js`, which installs every global while the snapshot is made.

pub mod hash;
pub mod redis;
pub mod util;

use deno_core::ExtensionFileSource;

use crate::ext::surface;

deno_core::extension!(
  rt_bun,
  deps = [rt_serve],
  ops = [
    surface::op_bun_surface,
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
    util::op_bun_zlib,
    util::op_bun_zlib_async,
    util::op_bun_which,
    util::op_bun_sleep_sync,
    redis::op_redis_open,
    redis::op_redis_batch,
    redis::op_redis_command_bytes,
    redis::op_redis_command_buffer,
    redis::op_redis_connect,
    redis::op_redis_subscription,
    redis::op_redis_stop,
    redis::op_redis_next_message,
  ],
  esm_entry_point = "ext:rt_bun/99_main.js",
  esm = [dir "src/ext/bun", "99_main.js"],
  customizer = |ext: &mut deno_core::Extension| {
    // The scripts beside these ops, and the `bun` module, written from
    // the surface table.
    let mut scripts = super::files::BUN.to_vec();
    scripts.push(ExtensionFileSource::new_computed(
      surface::BUN_MODULE,
      surface::bun_module_source(),
    ));
    super::with_scripts(ext, &scripts);
  },
);
