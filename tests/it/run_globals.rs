//! The globals a Bun script expects, each area exercised by a fixture.

use crate::common::*;

#[test]
fn console_formats_values_and_routes_streams() {
  let out = run_fixture("globals/console.js", &[]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  let stdout = out.stdout;
  // The values as Bun 1.4.4 prints them (console.table and console.time
  // keep deno_web's layout).
  let expected_start = "log 1 true null undefined str\n\
{\n  a: 1,\n  nested: {\n    b: [ 1, 2, [Object ...] ],\n  },\n}\n\
[ 1, \"two\", [ 3 ] ] Map(1) {\n  \"k\": {\n    v: 1,\n  },\n} Set(2) {\n  1,\n  2,\n}\n\
shown string\n\
Bob is 42 years\n\
info\n\
debug\n\
┌───────┬───┬─────┐\n\
│ (idx) │ a │ b   │\n\
├───────┼───┼─────┤\n\
│     0 │ 1 │ \"x\" │\n\
│     1 │ 2 │ \"y\" │\n\
└───────┴───┴─────┘\n\
default: 1\n\
k: 1\n\
default: 2\n";
  assert!(stdout.starts_with(expected_start), "stdout:\n{stdout}");
  let rest: Vec<&str> = stdout[expected_start.len()..].lines().collect();
  assert_eq!(rest.len(), 4, "{rest:?}");
  let ms = rest[0]
    .strip_prefix("t: ")
    .and_then(|s| s.strip_suffix("ms"))
    .expect("timeEnd line");
  assert!(ms.parse::<f64>().is_ok(), "{ms}");
  assert_eq!(rest[1], "[");
  assert_eq!(rest[2], "  [Function: named], [class K], Symbol(s), 10n");
  // warn, error, assert and trace go to stderr.
  assert!(
    out
      .stderr
      .starts_with("error\nwarn\nassert message\nTrace: traced\n"),
    "stderr:\n{}",
    out.stderr
  );
  assert!(out.stderr.contains("console.js:18:"), "{}", out.stderr);
}

#[test]
fn timers_immediates_and_microtasks() {
  let out = run_fixture("globals/timers.js", &[]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  let lines: Vec<&str> = out.stdout.lines().collect();
  assert_eq!(lines[0], "function function true number true");
  // Microtasks run before any task; the 0 ms timeout and the immediate may
  // come in either order (as in Node), and the 5 ms timeout last.
  let order: Vec<&str> = lines[1].split(", ").collect();
  assert_eq!(&order[..2], ["microtask", "promise"]);
  let mut middle = order[2..4].to_vec();
  middle.sort();
  assert_eq!(middle, ["immediate", "timeout 0"]);
  assert_eq!(order[4..], ["timeout 5"]);
  assert_eq!(
    lines[2..],
    [
      "interval ticks 3",
      "slept at least 20ms true",
      "sleep with date",
      "TypeError ERR_INVALID_ARG_TYPE",
    ]
  );
}

#[test]
fn encoding_url_abort_and_events() {
  let out = run_fixture("globals/web.js", &[]);
  assert_stdout(
    &out,
    "10 [ 104, 195, 169 ]\n\
héllo €\n\
hi\n\
€\n\
{\"read\":3,\"written\":4}\n\
fatal: TypeError\n\
true aGk=\n\
https://user:pw@example.com:8080/a/x/y?q=1&q=2#frag\n\
example.com:8080 /a/x/y ?q=1&q=2 #frag user\n\
[ \"1\", \"2\" ] false true\n\
a=1+%26+3&b=2\n\
http://example.com/bar\n\
true why 1\n\
throwIfAborted: why\n\
AbortError\n\
timeout: TimeoutError true\n\
any before: false\n\
any after: true stop\n\
ping:1 once ping:2\n\
true true true\n\
NotFoundError missing 8 true 8\n\
true\n",
  );
}

#[test]
fn streams_pipe_tee_byob_and_compression() {
  let out = run_fixture("globals/streams.js", &[]);
  assert_stdout(
    &out,
    "tee: ab\n\
piped: AB\n\
first: 1 pulls so far <= 3: true\n\
rest: 2,3,4,5\n\
byob: [ 1, 2 ]\n\
writer: 1,2\n\
errored: broken\n\
round trip: stream text\n\
strategy: 4 3\n",
  );
}

#[test]
fn blob_file_clone_performance_and_crypto() {
  let out = run_fixture("globals/data.js", &[]);
  assert_stdout(
    &out,
    "4 text/plain abcd\n\
bc 99\n\
name.txt 5 1 true\n\
stream: abcd\n\
true true 0 one true 2 a\n\
clone function: DataCloneError\n\
number true true\n\
1\n\
8 true\n\
true\n\
true\n\
TypeMismatchError\n\
TypeMismatchError\n\
QuotaExceededError\n",
  );
}

#[test]
fn process_and_bun_globals() {
  let mut cmd = rt_command();
  cmd
    .current_dir(fixture(""))
    .env("RT_TEST_VALUE", "v")
    .args(["run", "globals/process_bun.js", "a", "b"]);
  let out = run_command(cmd);
  assert_stdout(
    &out,
    "true undefined undefined\n\
v v true\n\
yes\n\
linux x64 number true\n\
4 a,b\n\
true true\n\
string true\n\
true true\n\
true\n\
undefined\n\
number true\n\
nextTick true\n\
stdout bytes\n\
written\n",
  );
  assert_eq!(out.stderr, "to stderr\n");
}

#[test]
fn web_apis_outside_the_snapshot_load_on_demand() {
  let out = run_fixture("globals/rare.js", &[]);
  assert_stdout(&out, "read by FileReader\n7\nc\n");
}

#[test]
fn bun_file_is_a_lazy_blob_typed_by_extension() {
  let dir =
    std::env::temp_dir().join(format!("rt-bun-file-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  let mut cmd = rt_command();
  cmd
    .args(["run", "globals/bun_file.js"])
    .current_dir(fixture(""))
    .env("DIR", &dir);
  let out = run_command(cmd);
  // What Bun 1.4.4 prints for the same script.
  assert_stdout(
    &out,
    "a.html text/html;charset=utf-8
a.txt text/plain;charset=utf-8
a.js text/javascript;charset=utf-8
a.ts text/javascript;charset=utf-8
a.json application/json;charset=utf-8
a.css text/css;charset=utf-8
a.png image/png
a.svg image/svg+xml
a.wasm application/wasm
Makefile application/octet-stream
true 11 true number true
hello world {\"a\":[1,2]}
world 5 wor x/y
11 11
hello world hello
hello world
true a/b
0 false false
ENOENT open true
TypeError ERR_INVALID_ARG_TYPE Expected file path string or file descriptor
TypeError ERR_INVALID_ARG_TYPE Expected file path string or file descriptor
RangeError ERR_OUT_OF_RANGE The value of \"fd\" is out of range. It must be >= 0 && <= 2147483647. Received -1
changed
",
  );
  let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bun_write_creates_files_and_directories_and_file_sinks_append() {
  let dir =
    std::env::temp_dir().join(format!("rt-bun-write-{}", std::process::id()));
  let _ = std::fs::remove_dir_all(&dir);
  std::fs::create_dir_all(&dir).unwrap();
  let mut cmd = rt_command();
  cmd
    .args(["run", "globals/bun_write.js"])
    .current_dir(fixture(""))
    .env("DIR", &dir);
  let out = run_command(cmd);
  // What Bun 1.4.4 prints for the same script ({dir} is the directory).
  let expected = "6
3
5
6
13
4
héllo from response
ENOTDIR open ENOTDIR: not a directory, open '{dir}/a.txt/x'
ENOENT open ENOENT: no such file or directory, open '{dir}/nope'
RangeError ERR_OUT_OF_RANGE The value of \"fd\" is out of range. It must be an integer. Received 42.5
TypeError ERR_INVALID_ARG_TYPE Bun.write(pathOrFdOrBlob, blob) expects a Blob-y thing to write
5 12345
false
ENOENT unlink ENOENT: no such file or directory, unlink '{dir}/a.txt'
number 0
abcd
3145728
11 overwritten
"
  .replace("{dir}", dir.to_str().unwrap());
  assert_stdout(&out, &expected);
  assert_eq!(
    std::fs::read(dir.join("sub/dir/b.txt")).unwrap(),
    [1u8, 2, 3]
  );
  assert_eq!(
    std::fs::metadata(dir.join("big.bin")).unwrap().len(),
    3 << 20
  );
  let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bun_cookie_and_cookie_map_serialize_as_bun_does() {
  let out = run_fixture("globals/cookie.js", &[]);
  // What Bun 1.4.4 prints for the same script.
  assert_stdout(
    &out,
    "sid=a%20b%3Bc; Domain=example.com; Path=/app; Max-Age=60; Secure; HttpOnly; SameSite=Strict
x=1; Path=/; SameSite=Lax
{\"name\":\"x\",\"value\":\"1\",\"path\":\"/\",\"secure\":false,\"sameSite\":\"lax\",\"httpOnly\":false,\"partitioned\":false}
theme dark / 10 true none true 2037-10-21T07:28:00.000Z false
true e=1; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax
3 1 hello world  null true
[\"d=4; Path=/; SameSite=Lax\",\"e=5; Path=/; Max-Age=100; HttpOnly; SameSite=Lax\",\"a=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax\",\"f=6; Path=/f; SameSite=Lax\",\"g=7; Path=/; Secure; SameSite=Lax\"]
{\"d\":\"4\",\"e\":\"5\",\"f\":\"6\",\"g\":\"7\",\"b\":\"hello world\",\"c\":\"\"} 6 d,e,f,g,b,c d=4&e=5&f=6&g=7&b=hello world&c=
[[\"x\",\"1\"],[\"y\",\"2\"]] [[\"p\",\"q\"]]
[\"d=4; Path=/; SameSite=Lax\",\"e=5; Path=/; Max-Age=100; HttpOnly; SameSite=Lax\",\"a=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax\",\"f=6; Path=/f; SameSite=Lax\",\"g=7; Path=/; Secure; SameSite=Lax\",\"b=; Domain=d.com; Path=/x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax\"]
TypeError undefined Invalid cookie name: contains invalid characters
TypeError undefined Invalid sameSite value. Must be 'strict', 'lax', or 'none'
TypeError undefined Invalid initializer type
o=v; Path=/; Secure; Partitioned; SameSite=Lax
u=%C3%BC%3D%3Bx; Path=/; SameSite=Lax ü
[object CookieMap] function
",
  );
}
