//! Response compression (`Bun.serve({ compression: true })`, an rt
//! extension): negotiated from Accept-Encoding, decoded here by curl, and
//! streamed with a flush per chunk.

use std::io::BufRead as _;
use std::io::BufReader;
use std::process::Command;
use std::process::Stdio;

use crate::common::http::send;
use crate::common::*;

/// curl asking for `encoding` and decoding it: (Content-Encoding, bytes on
/// the wire, decoded body).
fn fetch(port: u16, path: &str, encoding: &str) -> (String, usize, String) {
  let out = Command::new("curl")
    .args(["-sS", "--max-time", "10", "--compressed", "-D", "-"])
    .args(["-H", &format!("accept-encoding: {encoding}")])
    .args(["-w", "\n%{size_download}"])
    .arg(format!("http://127.0.0.1:{port}{path}"))
    .output()
    .expect("curl (installed by .ci/deps)");
  assert!(
    out.status.success(),
    "{}",
    String::from_utf8_lossy(&out.stderr)
  );
  let text = String::from_utf8_lossy(&out.stdout).into_owned();
  let (head, rest) = text.split_once("\r\n\r\n").unwrap();
  let (body, size) = rest.rsplit_once('\n').unwrap();
  let coding = head
    .lines()
    .find_map(|l| {
      l.to_ascii_lowercase()
        .strip_prefix("content-encoding: ")
        .map(str::to_string)
    })
    .unwrap_or_default();
  (coding, size.trim().parse().unwrap(), body.to_string())
}

#[test]
fn bodies_are_compressed_as_negotiated_and_left_alone_when_they_should_be() {
  let s = Served::spawn(&["run", "serve/compression.js"], &[]);
  let big = "hello world ".repeat(500);
  for encoding in ["br", "zstd", "gzip", "deflate"] {
    for path in ["/static", "/text"] {
      let (coding, wire, body) = fetch(s.port, path, encoding);
      assert_eq!(coding, encoding, "{path}");
      assert_eq!(body, big, "{path} {encoding}");
      assert!(wire < 200, "{path} {encoding}: {wire} bytes on the wire");
    }
    let (coding, wire, body) = fetch(s.port, "/json", encoding);
    assert_eq!(coding, encoding);
    assert!(body.starts_with(r#"{"items":[{"i":0,"name":"item 0"}"#));
    assert!(
      wire * 3 < body.len(),
      "json {encoding}: {wire} of {}",
      body.len()
    );
  }
  // The server's preference among what the client accepts, weights honoured.
  assert_eq!(fetch(s.port, "/text", "gzip, br, zstd").0, "br");
  assert_eq!(fetch(s.port, "/text", "br;q=0, gzip").0, "gzip");
  assert_eq!(fetch(s.port, "/text", "identity").0, "");
  // Left alone: small, no-transform, an image, already encoded.
  for path in ["/small", "/no-transform", "/png"] {
    assert_eq!(fetch(s.port, path, "gzip").0, "", "{path}");
  }
  let r = send(
    s.port,
    "GET",
    "/encoded",
    &[("accept-encoding", "gzip")],
    b"",
  );
  assert_eq!(r.header("content-encoding"), Some("identity-ish"));
  // Vary on what could be compressed; a strong ETag becomes weak.
  let r = send(
    s.port,
    "GET",
    "/static",
    &[("accept-encoding", "gzip")],
    b"",
  );
  assert_eq!(r.header("vary"), Some("Accept-Encoding"));
  assert!(r.header("etag").unwrap().starts_with("W/\""));
  let plain = send(s.port, "GET", "/static", &[], b"");
  assert_eq!(plain.header("vary"), Some("Accept-Encoding"));
  assert!(plain.header("etag").unwrap().starts_with('"'));
  assert_eq!(plain.body.len(), big.len());
  // HEAD says what GET would send.
  let get = send(s.port, "GET", "/text", &[("accept-encoding", "gzip")], b"");
  let head = send(s.port, "HEAD", "/text", &[("accept-encoding", "gzip")], b"");
  assert_eq!(head.header("content-encoding"), Some("gzip"));
  assert_eq!(
    head.header("content-length").map(str::to_string),
    Some(get.body.len().to_string())
  );
  assert_eq!(s.stop().code, 0);
}

#[test]
fn a_compressed_event_stream_delivers_each_event_at_once() {
  let s = Served::spawn(&["run", "serve/compression.js"], &[]);
  let mut curl = Command::new("curl")
    .args(["-sSN", "--max-time", "10", "--compressed"])
    .args(["-H", "accept-encoding: gzip"])
    .arg(format!("http://127.0.0.1:{}/sse", s.port))
    .stdout(Stdio::piped())
    .spawn()
    .expect("curl");
  let mut lines = BufReader::new(curl.stdout.take().unwrap()).lines();
  // The server holds the second event until the first was read here.
  assert_eq!(lines.next().unwrap().unwrap(), "data: first");
  assert_eq!(send(s.port, "GET", "/ack", &[], b"").text(), "ok");
  assert_eq!(lines.next().unwrap().unwrap(), "");
  assert_eq!(lines.next().unwrap().unwrap(), "data: second");
  assert!(curl.wait().unwrap().success());
  assert_eq!(s.stop().code, 0);
}

#[test]
fn bad_compression_options_throw() {
  let out = run_fixture("serve/compression_bad.js", &[]);
  assert_stdout(
    &out,
    "TypeError ERR_INVALID_ARG_TYPE Bun.serve: compression must be a boolean or an object
TypeError ERR_INVALID_ARG_VALUE Bun.serve: compression.encodings must list some of br, zstd, gzip, deflate
RangeError Bun.serve: compression.threshold must be a non-negative number of bytes
RangeError Bun.serve: compression.level must be an integer from 0 to 19
",
  );
}
