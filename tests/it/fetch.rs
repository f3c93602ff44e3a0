//! fetch against real servers (rt's own Bun.serve) over loopback.

use crate::common;

use crate::common::*;

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
post buffered text/plain;charset=UTF-8 null\n\
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
abort at once AbortError\n\
abort at once with body gone\n\
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

#[test]
fn a_small_body_split_across_packets_is_read_whole() {
  // The head and the first half of a small body arrive together; the rest
  // comes later. rt hands small bodies that arrived with the head to JS at
  // once, and must not lose the first half when the rest is still on its way.
  use tokio::io::AsyncReadExt as _;
  use tokio::io::AsyncWriteExt as _;
  let port = common::loopback::spawn_loopback_server(|mut stream| async move {
    let mut buf = [0u8; 4096];
    let mut head = Vec::new();
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
      let Ok(n) = stream.read(&mut buf).await else {
        return;
      };
      if n == 0 {
        return;
      }
      head.extend_from_slice(&buf[..n]);
    }
    let _ = stream
      .write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 11\r\n\r\nhello")
      .await;
    let _ = stream.flush().await;
    // The scenario itself: the rest of the body is late.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let _ = stream.write_all(b" world").await;
  });
  let out = run_fixture("fetch/split_body.js", &[&port.to_string()]);
  assert_stdout(&out, "hello world\nhello world\n");
}

#[test]
fn redirect_failures_carry_buns_codes() {
  let out = run_in(&fixture("fetch"), &["test", "redirects.test.ts"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert!(out.stderr.contains("\n 4 pass\n"), "{}", out.stderr);
}
