//! fetch against real servers (rt's own Bun.serve) over loopback.

mod common;

use common::*;

#[test]
fn fetch_requests_redirects_decoding_aborts_and_errors() {
  let a = Served::spawn(&["run", "fetch/server.js"], &[]);
  let b = Served::spawn(&["run", "fetch/server.js"], &[]);
  let out = run_fixture(
    "fetch/client.js",
    &[&a.port.to_string(), &b.port.to_string()],
  );
  assert_stdout(
    &out,
    "get 200 true OK true false {\"method\":\"GET\",\"accept\":\"*/*\",\"ua\":\"Bun/1.4.4\",\"ae\":\"gzip, deflate, br, zstd\",\"custom\":\"c\"}\n\
post buffered text/plain;charset=utf-8 null\n\
stream upload streamed chunked\n\
params a=1 application/x-www-form-urlencoded;charset=UTF-8\n\
reuse 1\n\
301 post 200 true /method {\"method\":\"GET\",\"body\":\"\",\"auth\":null,\"ct\":null}\n\
307 post {\"method\":\"POST\",\"body\":\"kept\",\"auth\":null,\"ct\":\"text/x\"}\n\
303 put {\"method\":\"GET\",\"body\":\"\",\"auth\":null,\"ct\":null}\n\
cross-origin auth {\"method\":\"GET\",\"body\":\"\",\"auth\":null,\"ct\":null}\n\
same-origin auth secret\n\
manual 302 /json false\n\
error mode TypeError UnexpectedRedirect\n\
loop TooManyRedirects\n\
stream 307 TypeError\n\
gzip gzipped text\n\
deflate deflated text\n\
decompress false true gzip\n\
big 3145728 true\n\
abort before AbortError\n\
abort waiting for headers AbortError\n\
first chunk first\n\
abort mid-body custom reason\n\
timeout option TimeoutError\n\
AbortSignal.timeout TimeoutError\n\
refused TypeError ConnectionRefused ConnectionRefused true\n\
unresolvable TypeError ENOTFOUND ENOTFOUND\n\
scheme TypeError\n\
bad url TypeError\n\
get body TypeError\n\
data 200 text/plain hello data\n\
bom \"hi\u{fffd}!\"\n\
text twice TypeError true\n\
data plain a b\n\
head 200 null\n",
  );
}

#[test]
fn an_unread_response_body_is_not_downloaded_ahead() {
  let s = Served::serve("serve/app.js");
  let out = run_fixture("fetch/slow_reader.js", &[&s.port.to_string()]);
  assert_stdout(&out, "bounded true\ncancelled\n");
}

#[test]
fn fetch_over_a_unix_socket() {
  let path = std::env::temp_dir()
    .join(format!("rt-fetch-unix-{}.sock", std::process::id()));
  let _ = std::fs::remove_file(&path);
  let s = Served::spawn(&["run", "serve/unix.js", path.to_str().unwrap()], &[]);
  let out = run_fixture("fetch/unix_client.js", &[path.to_str().unwrap()]);
  assert_stdout(&out, "200 unix /over-unix\nmissing socket TypeError\n");
  drop(s);
}
