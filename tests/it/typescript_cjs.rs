//! TypeScript, CommonJS, Node built-ins, `.env` files and the transpile
//! cache, on fixtures in `tests/fixtures/ts` (no packages needed).

use crate::common::*;

fn ts(path: &str) -> String {
  fixture(&format!("ts/{path}")).display().to_string()
}

#[test]
fn typescript_runs_with_enums_namespaces_and_type_only_imports() {
  let out = run_fixture("ts/app.ts", &[]);
  assert_stdout(&out, "hello ada 2\n0 green Red\n3 3\ngeneric admin\n");
}

#[test]
fn a_throw_in_a_ts_file_names_its_line() {
  // Stripped: positions are the file's own.
  let out = run_fixture("ts/throws.ts", &[]);
  assert_eq!(out.code, 1, "{out:?}");
  assert!(out.stderr.contains("boom from ts"), "{}", out.stderr);
  assert!(
    out.stderr.contains(&format!("{}:7:", ts("throws.ts"))),
    "{}",
    out.stderr
  );
  // Transformed (an enum): positions come back through the source map.
  let out = run_fixture("ts/enum_throws.ts", &[]);
  assert_eq!(out.code, 1, "{out:?}");
  assert!(out.stderr.contains("enum level High"), "{}", out.stderr);
  assert!(
    out.stderr.contains(&format!("{}:7:", ts("enum_throws.ts"))),
    "{}",
    out.stderr
  );
}

#[test]
fn a_ts_syntax_error_is_one_clear_message() {
  let out = run_fixture("ts/syntax.ts", &[]);
  assert_eq!(out.code, 1, "{out:?}");
  assert!(
    out.stderr.contains(&format!("{}:3:", ts("syntax.ts"))),
    "{}",
    out.stderr
  );
  assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn tsconfig_paths_package_imports_and_directory_indexes_resolve() {
  let out = run_fixture("ts/paths/main.ts", &[]);
  assert_stdout(
    &out,
    "42 from #config index.ts of a directory\ntla: ERR_REQUIRE_ASYNC_MODULE true\n",
  );
}

#[test]
fn commonjs_interop_both_ways() {
  let out = run_fixture("ts/cjs/main.mjs", &[]);
  assert_stdout(
    &out,
    "lib 5 lib.cjs in cjs 42 true\nreexport true true\nsame instance true\n\
     esm named esm default\nmissing MODULE_NOT_FOUND\nstring fs\n",
  );
}

#[test]
fn import_equals_require_and_cts_from_mts() {
  let out = run_fixture("ts/cjs/equals.mts", &[]);
  assert_stdout(&out, "lib 3 6 3\n");
}

#[test]
fn node_builtins_work_by_both_names() {
  let out = run_fixture("ts/builtins.mjs", &[]);
  assert_eq!(out.code, 0, "{out:?}");
  let expected = [
    "path /a/c/d.ts x/y /r/s file .gz ../../d /a/b {\"root\":\"/\",\"dir\":\"/home/u\",\"base\":\"f.md\",\"ext\":\".md\",\"name\":\"f\"}",
    "buffer 6 68c3a96c6c6f aMOpbGxv hi abb 3 true true -1 true 2 hi true function",
    "events 1,once 1,2 go 1",
    "util n=42 {\"a\":1} { a: [ 1, 2 ] } true true",
    "promisify 1",
    "inherits true",
    // sha256("abc"), md5("abc"), sha1("abc") base64, HMAC-SHA256("key", "data")
    "crypto ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 900150983cd24fb0d6963f7d28e17f72 qZk+NkcGgWq6PiVxeFDCbJzQ2J0= 5031fe3d989c6d1537a013fa6e739da23463fdaec3b70137d828e36ace221bd0 8 36 true cf83e1357eefb8bd",
    "crypto+ 3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532 5c828b33397f4762 uoClP5gcTQ1q e1d10dee05c387bc true",
    "os linux string true true string true string",
    "fs alpha beta! a.txt,b.txt,sub 5 true true false",
    "enoent ENOENT open",
    "removed false",
    "process linux true",
    "assert ERR_ASSERTION AssertionError",
    "als 7,7,7 undefined",
    "url /tmp/a b.txt file:///tmp/a%20b.txt",
    "badarg TypeError ERR_INVALID_ARG_TYPE The \"path\" argument must be of type string. Received type number (1)",
    "badarg TypeError ERR_INVALID_ARG_TYPE The \"first\" argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received undefined",
    "badarg TypeError ERR_INVALID_ARG_TYPE The \"listener\" argument must be of type function. Received null",
    "badarg TypeError ERR_INVALID_ARG_TYPE The \"path\" argument must be of type string or an instance of Buffer or URL. Received an instance of Object",
    // `require("bun")` read a file named `bun:main` before.
    "require bun true function",
    // Bun's own modules are built-in to `isBuiltin`, as in Bun.
    "isBuiltin true,true,true,true,false,false",
  ];
  let lines: Vec<&str> = out.stdout.lines().collect();
  assert_eq!(lines, expected, "stderr: {}", out.stderr);
}

#[test]
fn a_missing_builtin_or_package_fails_with_one_clear_line() {
  let out = run_fixture("ts/missing_builtin.mjs", &[]);
  assert_eq!(out.code, 1, "{out:?}");
  assert!(
    out
      .stderr
      .contains("rt does not support the Node built-in 'node:http2' yet"),
    "{}",
    out.stderr
  );
  let out = run_fixture("ts/missing_package.ts", &[]);
  assert_eq!(out.code, 1, "{out:?}");
  assert!(
    out
      .stderr
      .contains("Cannot find package 'hono-that-is-not-installed'"),
    "{}",
    out.stderr
  );
  assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn dotenv_files_load_as_bun_loads_them() {
  let dir = fixture("ts/env");
  let mut cmd = rt_command();
  cmd
    .args(["run", "print.js"])
    .current_dir(&dir)
    .env("PRESET", "kept")
    .env("BASE", "from-process")
    .env_remove("NODE_ENV");
  for key in [
    "SHARED",
    "QUOTED",
    "SINGLE",
    "MODE_ONLY",
    "EXPANDED",
    "CUSTOM",
  ] {
    cmd.env_remove(key);
  }
  let out = run_command(cmd);
  // The process's BASE wins over .env; .env.local wins over
  // .env.development over .env; quotes and ${VAR} expansion.
  assert_stdout(
    &out,
    "BASE=from-process SHARED=local QUOTED=two words SINGLE=literal $BASE \
     MODE_ONLY=dev EXPANDED=from-process-expanded CUSTOM=- PRESET=kept\ntrue\n",
  );

  // --env-file replaces the default files.
  let mut cmd = rt_command();
  cmd
    .args(["--env-file", "custom.env", "print.js"])
    .current_dir(&dir)
    .env_remove("BASE")
    .env_remove("SHARED")
    .env_remove("CUSTOM")
    .env_remove("PRESET");
  let out = run_command(cmd);
  assert_stdout(
    &out,
    "BASE=- SHARED=- QUOTED=- SINGLE=- MODE_ONLY=- EXPANDED=- CUSTOM=yes PRESET=-\ntrue\n",
  );

  // A missing --env-file is an error, not a silent skip.
  let out = run_in(&dir, &["--env-file", "nope.env", "print.js"]);
  assert_eq!(out.code, 1, "{out:?}");
  assert!(out.stderr.contains("nope.env"), "{}", out.stderr);
}

#[test]
fn transpiled_output_is_cached_and_the_cache_can_be_disabled() {
  let cache = std::env::temp_dir()
    .join(format!("rt-transpile-cache-{}", std::process::id()));
  let _ = std::fs::remove_dir_all(&cache);
  let count = |dir: &std::path::Path| -> usize {
    std::fs::read_dir(dir)
      .map(|d| {
        d.flatten()
          .map(|e| std::fs::read_dir(e.path()).map_or(0, |f| f.count()))
          .sum()
      })
      .unwrap_or(0)
  };
  let run = |cache_value: &std::ffi::OsStr| {
    let mut cmd = rt_command();
    cmd
      .arg(fixture("ts/app.ts"))
      .env("RT_TRANSPILER_CACHE_PATH", cache_value);
    run_command(cmd)
  };
  let first = run(cache.as_os_str());
  assert_eq!(first.code, 0, "{first:?}");
  // app.ts (transformed, with its map), util.ts and types.ts.
  let entries = count(&cache);
  assert!(entries >= 3, "{entries} cache files");
  let second = run(cache.as_os_str());
  assert_eq!(second.stdout, first.stdout);
  assert_eq!(count(&cache), entries, "a second start adds nothing");

  // A cached entry is what runs: tampering with it shows (so the second
  // start really read the cache instead of transpiling).
  for dir in std::fs::read_dir(&cache).unwrap().flatten() {
    for file in std::fs::read_dir(dir.path()).unwrap().flatten() {
      let text = std::fs::read_to_string(file.path()).unwrap();
      if text.contains("hello ${name}") {
        std::fs::write(file.path(), text.replace("hello", "cached")).unwrap();
      }
    }
  }
  let third = run(cache.as_os_str());
  assert!(third.stdout.starts_with("cached ada"), "{third:?}");

  std::fs::remove_dir_all(&cache).unwrap();
  let off = run(std::ffi::OsStr::new("0"));
  assert!(off.stdout.starts_with("hello ada"), "{off:?}");
  assert!(!cache.exists(), "RT_TRANSPILER_CACHE_PATH=0 writes nothing");
}

/// Every Node built-in has the named exports it had as a synthetic module
/// (the list is the one those modules gave), as one ES module per name:
/// `require(name)` is its default export, by either name.
#[test]
fn node_builtins_keep_their_named_exports() {
  let out = run_fixture("node/builtin_exports.mjs", &[]);
  assert_stdout(&out, include_str!("../fixtures/node/builtin_exports.out"));
}
