//! rt's public JS surface in one table: the modules apps import by name
//! (`node:fs`, `bun`, `bun:test`) and the members of the `Bun` global,
//! which are also the `bun` module's exports.
//!
//! Everything that exposes them is made from here: the modules' specifiers
//! (`ext/mod.rs` gives the files these names), the resolver's list of
//! built-ins, `require()` of them (`node/module.js`), the `Bun` object
//! (`60_bun.js`, while the snapshot is made) and the `bun` module (its
//! source is written from [`BUN`]). Adding a member is one line in [`BUN`]
//! plus the script that exports it: scripts beside an extension's ops are
//! registered by `build.rs` without a list.

use std::sync::Arc;
use std::sync::OnceLock;

use deno_core::op2;

/// Node's built-in modules rt has, by name, and the file each is made
/// from. A module's specifier is the first name listed for its file
/// (`node:path/posix` is `node:path`). Listed in `builtinModules` order.
pub const NODE_MODULES: &[(&str, &str)] = &[
  ("node:assert", "ext:rt_node/assert.js"),
  ("node:async_hooks", "ext:rt_node/async_hooks.js"),
  ("node:buffer", "ext:rt_node/buffer.js"),
  ("node:crypto", "ext:rt_node/crypto.js"),
  (
    "node:diagnostics_channel",
    "ext:rt_node/diagnostics_channel.js",
  ),
  ("node:dns", "ext:rt_node/dns.js"),
  ("node:events", "ext:rt_node/events.js"),
  ("node:fs", "ext:rt_node/fs.js"),
  ("node:fs/promises", "ext:rt_node/fs_promises.js"),
  ("node:net", "ext:rt_node/net.js"),
  ("node:os", "ext:rt_node/os.js"),
  ("node:path", "ext:rt_node/path.js"),
  ("node:path/posix", "ext:rt_node/path.js"),
  ("node:process", "ext:rt_node/process.js"),
  ("node:stream", "ext:rt_node/stream.js"),
  ("node:string_decoder", "ext:rt_node/string_decoder.js"),
  ("node:timers", "ext:rt_node/timers.js"),
  ("node:tls", "ext:rt_node/tls.js"),
  ("node:tty", "ext:rt_node/tty.js"),
  ("node:url", "ext:rt_node/url.js"),
  ("node:util", "ext:rt_node/util.js"),
  ("node:module", "ext:rt_node/module.js"),
];

/// Bun's modules: the name apps import, the module's specifier, and the
/// file it is made from. The specifiers are `node:` ones because deno_core
/// lets only `ext:` and `node:` modules import rt's `ext:` modules (and
/// `node:bun` is no Node built-in rt's resolver would hand out).
pub const BUN_MODULES: &[(&str, &str, &str)] = &[
  ("bun", "node:bun", BUN_MODULE),
  ("bun:test", "node:bun/test", "ext:rt_test/test.js"),
  ("bun:jsc", "node:bun/jsc", "ext:rt_test/jsc.js"),
  (
    "bun:internal-for-testing",
    "node:bun/internal-for-testing",
    "ext:rt_test/internal_for_testing.js",
  ),
];

/// The name the resolver gives Bun's test `harness` under `rt test`.
pub const HARNESS_NAME: &str = "rt:harness";

/// What `rt test` resolves Bun's test `harness` to, and its file.
pub const HARNESS: (&str, &str) =
  ("node:bun/harness", "ext:rt_test/harness.js");

/// The file the `bun` module is written to ([`bun_module_source`]).
pub const BUN_MODULE: &str = "ext:rt_bun/bun.js";

/// How a `Bun` member comes to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Make {
  /// The module's export of the member's name, set while the snapshot is
  /// made (the module is one the snapshot holds).
  Value,
  /// An accessor calling the module's export of that name on every read
  /// (`Bun.env`).
  Getter,
  /// Made on first read by calling the module's export of that name (the
  /// module is one the snapshot holds), then a plain value (`Bun.stdin`);
  /// the `bun` module exports the value itself.
  OnFirstRead,
  /// On first read the module loads and its export of that name becomes
  /// the member; until then `import { x } from "bun"` gets a stand-in of
  /// this shape.
  OnFirstUse(Shape),
  /// On first read the module's export of that name is called, and what
  /// it returns becomes the member (`Bun.redis`, a client made once).
  MadeOnFirstUse(Shape),
}

/// What a stand-in for a member not loaded yet looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
  /// A function or class: called and constructed through.
  Callable,
  /// An object: its properties read through.
  Object,
}

/// One member of `Bun` (and export of the `bun` module).
#[derive(Debug, Clone, Copy)]
pub struct Member {
  /// The member's name, which is also the module's export's name.
  pub name: &'static str,
  /// The module that exports it.
  pub module: &'static str,
  /// How it is made.
  pub make: Make,
}

const BUN_JS: &str = "ext:rt_bun/60_bun.js";
const FILE: &str = "ext:rt_http/27_file.js";
const HASH: &str = "ext:rt_bun/hash.js";
const UTIL: &str = "ext:rt_bun/util.js";

const fn member(
  name: &'static str,
  module: &'static str,
  make: Make,
) -> Member {
  Member { name, module, make }
}
const fn value(name: &'static str, module: &'static str) -> Member {
  member(name, module, Make::Value)
}
const fn callable(name: &'static str, module: &'static str) -> Member {
  member(name, module, Make::OnFirstUse(Shape::Callable))
}

/// The members of `Bun`, in `Object.keys(Bun)` order.
pub const BUN: &[Member] = &[
  value("version", BUN_JS),
  value("revision", BUN_JS),
  value("sleep", BUN_JS),
  value("inspect", BUN_JS),
  value("listen", BUN_JS),
  value("connect", BUN_JS),
  value("nanoseconds", BUN_JS),
  callable("CryptoHasher", HASH),
  callable("hash", HASH),
  callable("sha", HASH),
  callable("MD4", HASH),
  callable("MD5", HASH),
  callable("SHA1", HASH),
  callable("SHA224", HASH),
  callable("SHA256", HASH),
  callable("SHA384", HASH),
  callable("SHA512", HASH),
  callable("SHA512_256", HASH),
  member(
    "password",
    "ext:rt_bun/password.js",
    Make::OnFirstUse(Shape::Object),
  ),
  callable("RedisClient", "ext:rt_bun/redis.js"),
  member(
    "redis",
    "ext:rt_bun/redis.js",
    Make::MadeOnFirstUse(Shape::Object),
  ),
  callable("escapeHTML", UTIL),
  callable("deepEquals", UTIL),
  callable("deepMatch", UTIL),
  callable("peek", UTIL),
  callable("sleepSync", UTIL),
  callable("randomUUIDv7", UTIL),
  callable("which", UTIL),
  callable("gzipSync", UTIL),
  callable("gunzipSync", UTIL),
  callable("deflateSync", UTIL),
  callable("inflateSync", UTIL),
  callable("zstdCompressSync", UTIL),
  callable("zstdDecompressSync", UTIL),
  callable("zstdCompress", UTIL),
  callable("zstdDecompress", UTIL),
  callable("readableStreamToArray", UTIL),
  callable("readableStreamToBytes", UTIL),
  callable("readableStreamToArrayBuffer", UTIL),
  callable("readableStreamToText", UTIL),
  callable("readableStreamToJSON", UTIL),
  callable("readableStreamToBlob", UTIL),
  callable("readableStreamToFormData", UTIL),
  callable("concatArrayBuffers", UTIL),
  callable("ArrayBufferSink", UTIL),
  callable("fileURLToPath", UTIL),
  callable("pathToFileURL", UTIL),
  member("env", BUN_JS, Make::Getter),
  member("argv", BUN_JS, Make::Getter),
  member("main", BUN_JS, Make::Getter),
  member("isMainThread", "ext:rt_web/09_worker.js", Make::Getter),
  value("serve", "ext:rt_serve/52_serve.js"),
  value("file", FILE),
  value("write", FILE),
  member("stdin", FILE, Make::OnFirstRead),
  member("stdout", FILE, Make::OnFirstRead),
  member("stderr", FILE, Make::OnFirstRead),
  value("Cookie", "ext:rt_http/21_cookie.js"),
  value("CookieMap", "ext:rt_http/21_cookie.js"),
];

/// The specifier of the module made from `file`, if it has a public one.
pub fn specifier_of_file(file: &str) -> Option<&'static str> {
  NODE_MODULES
    .iter()
    .find(|(_, f)| *f == file)
    .map(|(name, _)| *name)
    .or_else(|| {
      BUN_MODULES
        .iter()
        .find(|(.., f)| *f == file)
        .map(|(_, specifier, _)| *specifier)
    })
    .or_else(|| (HARNESS.1 == file).then_some(HARNESS.0))
}

/// The specifier of the module an app's name for it leads to (`node:fs`,
/// `node:path/posix`, `bun`, `bun:test`).
pub fn module_for(name: &str) -> Option<&'static str> {
  if let Some((_, file)) = NODE_MODULES.iter().find(|(n, _)| *n == name) {
    return specifier_of_file(file);
  }
  BUN_MODULES
    .iter()
    .find(|(n, ..)| *n == name)
    .map(|(_, specifier, _)| *specifier)
}

/// Node's built-in names rt has, bare (`fs`, `fs/promises`).
pub fn node_builtins() -> impl Iterator<Item = &'static str> {
  NODE_MODULES
    .iter()
    .filter_map(|(name, _)| name.strip_prefix("node:"))
}

/// The `bun` module's source: `Bun` as its default export and every
/// member as a named one, through `bunExport` (a stand-in while a lazy
/// member is not loaded). Written once per process.
pub fn bun_module_source() -> Arc<str> {
  static SOURCE: OnceLock<Arc<str>> = OnceLock::new();
  SOURCE
    .get_or_init(|| {
      let mut source = String::from(
        "// The `bun` module, written from ext/surface.rs.\n\
         import { Bun, bunExport } from \"ext:rt_bun/bun_module.js\";\n\
         export default Bun;\n",
      );
      for (index, member) in BUN.iter().enumerate() {
        source.push_str(&format!(
          "const m{index} = bunExport({name:?});\nexport {{ m{index} as {name} }};\n",
          name = member.name
        ));
      }
      source.into()
    })
    .clone()
}

/// The table for JS: `[name, module, how, shape]` per member (`how`:
/// "value", "getter", "first-read", "lazy" or "made"; `shape`:
/// "callable", "object" or ""). Read once, while the snapshot is made.
#[op2]
#[serde]
pub(crate) fn op_bun_surface()
-> Vec<(&'static str, &'static str, &'static str, &'static str)> {
  let shape = |shape: Shape| match shape {
    Shape::Callable => "callable",
    Shape::Object => "object",
  };
  BUN
    .iter()
    .map(|m| {
      let (how, shape) = match m.make {
        Make::Value => ("value", ""),
        Make::Getter => ("getter", ""),
        Make::OnFirstRead => ("first-read", ""),
        Make::OnFirstUse(s) => ("lazy", shape(s)),
        Make::MadeOnFirstUse(s) => ("made", shape(s)),
      };
      (m.name, m.module, how, shape)
    })
    .collect()
}

/// Every built-in `require()` can load, by the name the resolver gives it
/// (`node:fs`, `bun`, `bun:test`, `rt:harness` under `rt test`), with its
/// module's specifier; Node's first, in `builtinModules` order.
#[op2]
#[serde]
pub(crate) fn op_rt_builtin_modules() -> Vec<(&'static str, &'static str)> {
  NODE_MODULES
    .iter()
    .filter_map(|(name, _)| Some((*name, module_for(name)?)))
    .chain(
      BUN_MODULES
        .iter()
        .map(|(name, specifier, _)| (*name, *specifier)),
    )
    .chain([(HARNESS_NAME, HARNESS.0)])
    .collect()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn names_are_unique_and_every_module_has_a_specifier() {
    let mut names: Vec<&str> = BUN.iter().map(|m| m.name).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "a Bun member is listed twice");
    assert_eq!(module_for("node:path/posix"), Some("node:path"));
    assert_eq!(module_for("node:fs"), Some("node:fs"));
    assert_eq!(module_for("bun:test"), Some("node:bun/test"));
    assert_eq!(module_for("node:http2"), None);
    assert!(node_builtins().any(|n| n == "fs/promises"));
    assert!(!node_builtins().any(|n| n.starts_with("bun")));
    for member in BUN {
      assert!(member.module.starts_with("ext:rt_"), "{}", member.name);
      // What is set while the snapshot is made comes from the snapshot's
      // (numbered) modules; what loads on first use from the others.
      let file = member.module.rsplit('/').next().unwrap_or("");
      let numbered = file.len() > 3
        && file.as_bytes()[..2].iter().all(u8::is_ascii_digit)
        && file.as_bytes()[2] == b'_';
      let lazy =
        matches!(member.make, Make::OnFirstUse(_) | Make::MadeOnFirstUse(_));
      assert_eq!(numbered, !lazy, "{} from {}", member.name, member.module);
    }
  }

  #[test]
  fn the_bun_module_exports_every_member() {
    let source = bun_module_source();
    for member in BUN {
      assert!(
        source.contains(&format!(" as {} }};", member.name)),
        "{} is not exported",
        member.name
      );
    }
  }
}
