//! Bun.serve over real sockets: responses, requests, HTTP/1.1 semantics.

use crate::common;

use crate::common::Served;
use crate::common::http::Conn;
use crate::common::http::get;
use crate::common::http::raw;
use crate::common::http::send;

#[test]
fn hello_json_and_default_headers() {
  let s = Served::serve("serve/app.js");
  let r = get(s.port, "/");
  assert_eq!(r.status, 200);
  assert_eq!(r.text(), "Hello World!");
  assert_eq!(r.header("content-type"), Some("text/plain;charset=utf-8"));
  assert_eq!(r.header("content-length"), Some("12"));
  assert!(r.header("date").is_some_and(|d| d.ends_with(" GMT")));
  let j = get(s.port, "/json");
  assert_eq!(
    j.header("content-type"),
    Some("application/json;charset=utf-8")
  );
  assert_eq!(j.text(), r#"{"hello":"world","n":1}"#);
}

#[test]
fn request_bodies_in_every_form() {
  let s = Served::serve("serve/app.js");
  let r = send(s.port, "POST", "/echo", &[], b"posted text");
  assert_eq!((r.status, r.text().as_str()), (201, "posted text"));
  assert_eq!(r.header("x-method"), Some("POST"));
  assert_eq!(r.header("x-length"), Some("11"));
  let r = send(s.port, "PUT", "/echo-json", &[], br#"{"a":[1,2]}"#);
  assert_eq!(r.text(), r#"{"a":[1,2]}"#);
  let binary: Vec<u8> = (0..=255u8).collect();
  let r = send(s.port, "POST", "/echo-bytes", &[], &binary);
  assert_eq!(r.body, binary);
  let r = send(
    s.port,
    "POST",
    "/form",
    &[("content-type", "application/x-www-form-urlencoded")],
    b"a=1&b=two+words",
  );
  assert_eq!(r.text(), r#"{"a":"1","b":"two words"}"#);
  let multipart = "--XyZ\r\nContent-Disposition: form-data; name=\"field\"\r\n\r\nvalue\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"up\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\nfile body\r\n--XyZ--\r\n";
  let r = send(
    s.port,
    "POST",
    "/form",
    &[("content-type", "multipart/form-data; boundary=XyZ")],
    multipart.as_bytes(),
  );
  assert_eq!(r.text(), r#"{"field":"value","up":"file:f.txt:file body"}"#);
  let r = send(s.port, "POST", "/clone", &[], b"twice");
  assert_eq!(r.text(), "twice|twice");
}

#[test]
fn chunked_request_body_streams_through_req_body() {
  let s = Served::serve("serve/app.js");
  let mut c = Conn::open(s.port);
  c.send(b"POST /stream-body HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  let r = c.read_response(false);
  assert_eq!(r.text(), r#"{"chunks":true,"bytes":11,"used":true}"#);
  let r = get(s.port, "/no-body");
  assert_eq!(r.text(), r#"{"body":null,"method":"GET"}"#);
}

#[test]
fn a_request_body_sent_back_unread_streams_through() {
  // Regression: `new Response(req.body)` failed with "Body already used"
  // once the response went out, and the connection was reset.
  let s = Served::serve("serve/app.js");
  let big: Vec<u8> = (0..(1 << 20)).map(|i| (i % 251) as u8).collect();
  let mut c = Conn::open(s.port);
  for _ in 0..2 {
    let head = format!(
      "POST /echo-stream HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
      big.len()
    );
    c.send(head.as_bytes());
    c.send(&big);
    let r = c.read_response(false);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-piped"), Some("yes"));
    assert!(r.body == big, "{} bytes back", r.body.len());
  }
  let mut c = Conn::open(s.port);
  c.send(b"POST /echo-stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  assert_eq!(c.read_response(false).text(), "hello");
}

#[test]
fn request_headers_url_and_response_headers() {
  let s = Served::serve("serve/app.js");
  let r = raw(
    s.port,
    "GET /headers HTTP/1.1\r\nHost: example.test:8080\r\nX-Custom: a\r\nx-custom: b\r\n\r\n",
  );
  let text = r.text();
  assert!(text.contains(r#""x-custom":"a, b""#), "{text}");
  assert!(text.contains(r#""host":"example.test:8080""#), "{text}");
  assert!(text.ends_with(r#""get":"a, b"}"#), "{text}");
  let r = raw(
    s.port,
    "GET /users/7?x=1 HTTP/1.1\r\nHost: example.test:8080\r\n\r\n",
  );
  assert_eq!(
    r.text(),
    r#"{"id":"7","url":"http://example.test:8080/users/7?x=1"}"#
  );
  let r = get(s.port, "/set-headers");
  assert_eq!(r.status, 202);
  let cookies: Vec<_> = r
    .headers
    .iter()
    .filter(|(n, _)| n == "set-cookie")
    .map(|(_, v)| v.as_str())
    .collect();
  assert_eq!(cookies, ["a=1", "b=2"]);
  let multi: Vec<_> = r
    .headers
    .iter()
    .filter(|(n, _)| n == "x-multi")
    .map(|(_, v)| v.as_str())
    .collect();
  assert_eq!(multi, ["one", "two"]);
}

#[test]
fn streamed_blob_empty_and_redirect_responses() {
  let s = Served::serve("serve/app.js");
  let r = get(s.port, "/stream");
  assert_eq!(r.header("transfer-encoding"), Some("chunked"));
  assert_eq!(r.text(), "chunk1;chunk2;");
  let r = get(s.port, "/blob");
  assert_eq!(r.text(), "blob body");
  assert_eq!(r.header("content-type"), Some("text/x-blob"));
  let r = get(s.port, "/empty");
  assert_eq!(r.status, 204);
  assert!(r.body.is_empty());
  let r = get(s.port, "/redirect");
  assert_eq!(r.status, 307);
  assert_eq!(r.header("location"), Some("http://localhost/elsewhere"));
}

#[test]
fn keep_alive_and_pipelining_answer_in_order() {
  let s = Served::serve("serve/app.js");
  let mut c = Conn::open(s.port);
  assert_eq!(c.get("/").text(), "Hello World!");
  assert_eq!(c.get("/json").status, 200);
  // Three requests in one write: three responses, in order.
  c.send(
    b"GET /slow?ms=30 HTTP/1.1\r\nHost: x\r\n\r\nGET /static HTTP/1.1\r\nHost: x\r\n\r\nGET /users/9 HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  assert_eq!(c.read_response(false).text(), "slow done");
  assert_eq!(c.read_response(false).text(), "static body");
  assert!(c.read_response(false).text().starts_with(r#"{"id":"9""#));
}

#[test]
fn head_requests_get_headers_without_a_body() {
  let s = Served::serve("serve/app.js");
  let mut c = Conn::open(s.port);
  c.send(b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n");
  let r = c.read_response(true);
  assert_eq!(r.status, 200);
  assert_eq!(r.header("content-length"), Some("12"));
  // The connection is still in sync: the next response is whole.
  assert_eq!(c.get("/json").text(), r#"{"hello":"world","n":1}"#);
}

#[test]
fn expect_100_continue_is_answered_before_the_body() {
  let s = Served::serve("serve/app.js");
  let mut c = Conn::open(s.port);
  c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  let interim = c.read_head();
  assert_eq!(interim.0, 100);
  c.send(b"hello");
  let r = c.read_response(false);
  assert_eq!((r.status, r.text().as_str()), (201, "hello"));
}

#[test]
fn malformed_requests_get_4xx_and_the_server_lives() {
  let s = Served::serve("serve/app.js");
  // Content-Length and Transfer-Encoding together (smuggling shape).
  let r = raw(
    s.port,
    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  );
  assert_eq!(r.status, 400);
  // Conflicting duplicate Content-Length.
  let r = raw(
    s.port,
    "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
  );
  assert_eq!(r.status, 400);
  // HTTP/1.1 without Host.
  assert_eq!(raw(s.port, "GET / HTTP/1.1\r\n\r\n").status, 400);
  // Not HTTP at all.
  assert_eq!(raw(s.port, "NONSENSE\r\n\r\n").status, 400);
  // Headers over the 16 KiB limit.
  let big = format!(
    "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
    "a".repeat(40_000)
  );
  assert_eq!(raw(s.port, &big).status, 431);
  assert_eq!(get(s.port, "/").text(), "Hello World!");
}

#[test]
fn bodies_over_the_limit_get_413() {
  let s = Served::spawn(&["run", "serve/limits.js"], &[]);
  // Declared too large: refused before the handler runs.
  let r = send(s.port, "POST", "/", &[], &[b'x'; 2048]);
  assert_eq!(r.status, 413);
  // Chunked, found too large while reading.
  let mut c = Conn::open(s.port);
  c.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
  for _ in 0..3 {
    c.send(format!("{:x}\r\n{}\r\n", 600, "y".repeat(600)).as_bytes());
  }
  c.send(b"0\r\n\r\n");
  assert_eq!(c.read_response(false).status, 413);
  // Within the limit is fine.
  let r = send(s.port, "POST", "/", &[], &[b'z'; 1000]);
  assert_eq!((r.status, r.text().as_str()), (200, "1000"));
}

#[test]
fn idle_connections_are_closed_after_idle_timeout() {
  let s = Served::spawn(&["run", "serve/limits.js"], &[]);
  let mut c = Conn::open(s.port);
  // idleTimeout is 1 s in the fixture: the server hangs up on its own.
  let started = std::time::Instant::now();
  assert!(c.closed_by_server());
  assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn slow_readers_hold_back_streamed_responses() {
  let s = Served::serve("serve/app.js");
  let mut slow = Conn::open(s.port);
  slow.send(b"GET /big-stream HTTP/1.1\r\nHost: x\r\n\r\n");
  let (status, _) = slow.read_head();
  assert_eq!(status, 200);
  // Without reading, the producer must stall: wait until the pull count
  // stops moving, then check it is far below the 1,024 chunks on offer.
  let mut last = u64::MAX;
  for _ in 0..50 {
    let now: u64 = get(s.port, "/pulls").text().parse().unwrap();
    if now == last {
      break;
    }
    last = now;
    std::thread::sleep(std::time::Duration::from_millis(100));
  }
  assert!(
    last < 512,
    "server buffered {last} chunks of 64 KiB for a client that reads nothing"
  );
  // Reading drains the whole 64 MiB.
  let mut total = 0usize;
  loop {
    let chunk = slow.read_some();
    if chunk.is_empty() {
      break;
    }
    total += chunk.len();
    if chunk.ends_with(b"0\r\n\r\n") {
      break;
    }
  }
  assert!(total > 64 * 1024 * 1024, "read {total}");
}

#[test]
fn a_request_head_sent_too_slowly_is_cut_at_the_header_timeout() {
  let s = Served::spawn(&["run", "serve/limits.js"], &[]);
  let mut c = Conn::open(s.port);
  // Half a head, then silence (slowloris): idleTimeout (1 s) applies.
  c.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
  let started = std::time::Instant::now();
  assert!(c.closed_by_server());
  assert!(started.elapsed() < std::time::Duration::from_secs(5));
  assert_eq!(get(s.port, "/").status, 200);
}

/// Regression: the Content-Length + Transfer-Encoding check read body bytes
/// too, so a body that quoted such headers was counted as a conflicting
/// head, and the next chunked request on the connection got a 400.
#[test]
fn a_body_quoting_framing_headers_is_echoed_and_does_not_poison_the_connection()
{
  let s = Served::serve("serve/app.js");
  let mut c = Conn::open(s.port);
  let body =
    "line\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n0\r\n\r\n";
  c.send(
    format!(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
      body.len()
    )
    .as_bytes(),
  );
  let r = c.read_response(false);
  assert_eq!((r.status, r.text().as_str()), (201, body));
  c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
  let r = c.read_response(false);
  assert_eq!((r.status, r.text().as_str()), (201, "hello"));
}

/// An idle keep-alive connection parks between requests (hyper's state is
/// dropped and only the socket kept); whatever arrives next must be served
/// as if it had never left: a head split across writes, a handler that
/// answers later while the client sends nothing, a request body arriving
/// in pieces, and a pipelined burst.
#[test]
fn a_connection_that_goes_idle_between_requests_serves_everything_after() {
  let s = Served::serve("serve/app.js");
  let mut c = Conn::open(s.port);
  for _ in 0..3 {
    assert_eq!(c.get("/").text(), "Hello World!");
  }
  // The pauses only make it likely that the server has read each part
  // (and parked) before the next one; the answers do not depend on them.
  let pause = || std::thread::sleep(std::time::Duration::from_millis(20));
  c.send(b"GET /users/7 HTTP/1.1\r\nHo");
  pause();
  c.send(b"st: x\r\n\r\n");
  assert!(c.read_response(false).text().starts_with(r#"{"id":"7""#));
  // Nothing is read while the handler waits: the exchange is in flight.
  c.send(b"GET /slow?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n");
  assert_eq!(c.read_response(false).text(), "slow done");
  c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello");
  pause();
  c.send(b"world");
  let r = c.read_response(false);
  assert_eq!((r.status, r.text().as_str()), (201, "helloworld"));
  pause();
  c.send(
    b"GET /static HTTP/1.1\r\nHost: x\r\n\r\nGET /json HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  assert_eq!(c.read_response(false).text(), "static body");
  assert_eq!(c.read_response(false).status, 200);
  // An upgrade the server does not take (curl's h2c offer), with the next
  // request in the same write: the bytes behind the head wait until the
  // answer is out, then are read as HTTP again.
  c.send(
    b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\nGET /users/8 HTTP/1.1\r\nHost: x\r\n\r\n",
  );
  assert_eq!(c.read_response(false).text(), "Hello World!");
  assert!(c.read_response(false).text().starts_with(r#"{"id":"8""#));
}

/// Out of file descriptors, `accept` fails with EMFILE while the client
/// waits in the backlog: the server says so once, keeps serving the
/// connections it has, and takes the waiting one when descriptors free up.
#[test]
fn running_out_of_descriptors_backs_off_and_recovers() {
  use std::os::unix::process::CommandExt as _;
  let mut cmd = common::rt_command();
  cmd
    .args(["serve", "--port", "0", "serve/app.js"])
    .current_dir(common::fixture(""));
  // SAFETY: setrlimit is async-signal-safe; nothing else runs in the child.
  unsafe {
    cmd.pre_exec(|| {
      let limit = libc::rlimit {
        rlim_cur: 64,
        rlim_max: 64,
      };
      if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
        return Err(std::io::Error::last_os_error());
      }
      Ok(())
    });
  }
  let s = Served::spawn_command(cmd);
  let mut first = Conn::open(s.port);
  assert_eq!(first.get("/").text(), "Hello World!");
  // More connections than descriptors left: the last ones wait unaccepted.
  let mut others: Vec<Conn> = (0..80).map(|_| Conn::open(s.port)).collect();
  let started = std::time::Instant::now();
  while !s.output().1.contains("cannot accept connections") {
    assert!(
      started.elapsed() < common::http::READ_TIMEOUT,
      "no EMFILE: {:?}",
      s.output()
    );
    std::thread::sleep(std::time::Duration::from_millis(5));
  }
  // The open connection is still served.
  assert_eq!(first.get("/").text(), "Hello World!");
  // Free descriptors: the waiting connections are accepted and served.
  let last = others.pop().unwrap();
  drop(others);
  let mut last = last;
  assert_eq!(last.get("/").text(), "Hello World!");
  assert_eq!(s.output().1.matches("cannot accept connections").count(), 1);
  s.stop();
}
