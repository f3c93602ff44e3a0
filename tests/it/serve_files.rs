//! Files as responses, sent from Rust: `Bun.file()` routes and handler
//! responses with Content-Type, Content-Length, ETag, Last-Modified,
//! conditional requests (304), ranges (206, 416), missing files (404 in
//! routes, error() in handlers), and the static-site example.

use std::io::Read as _;
use std::io::Write as _;
use std::path::PathBuf;

use crate::common::http::Conn;
use crate::common::http::get;
use crate::common::http::send;
use crate::common::*;

/// A temporary directory of the test `name` with `data.txt` (16 bytes) and
/// `big.bin` (8 MiB).
fn files(name: &str) -> (PathBuf, Vec<u8>) {
  let dir = std::env::temp_dir()
    .join(format!("rt-serve-files-{name}-{}", std::process::id()));
  let _ = std::fs::remove_dir_all(&dir);
  std::fs::create_dir_all(&dir).unwrap();
  std::fs::write(dir.join("data.txt"), "0123456789abcdef").unwrap();
  let big: Vec<u8> = (0..8u32 << 20).map(|i| (i * 7 % 251) as u8).collect();
  std::fs::write(dir.join("big.bin"), &big).unwrap();
  (dir, big)
}

fn serve(dir: &std::path::Path) -> Served {
  Served::spawn(
    &["run", "serve/files.js"],
    &[("DIR", dir.to_str().unwrap())],
  )
}

fn with(port: u16, path: &str, headers: &[(&str, &str)]) -> http::HttpResponse {
  send(port, "GET", path, headers, b"")
}

#[test]
fn files_are_sent_with_validators_and_ranges() {
  let (dir, big) = files("validators");
  let s = serve(&dir);
  for path in ["/route", "/handler", "/route-response"] {
    let r = get(s.port, path);
    assert_eq!(r.status, 200, "{path}");
    assert_eq!(r.text(), "0123456789abcdef", "{path}");
    assert_eq!(
      r.header("content-type"),
      Some("text/plain;charset=utf-8"),
      "{path}"
    );
    assert_eq!(r.header("content-length"), Some("16"), "{path}");
    assert_eq!(r.header("accept-ranges"), Some("bytes"), "{path}");
    assert!(
      r.header("last-modified").unwrap().ends_with(" GMT"),
      "{path}"
    );
    let etag = r.header("etag").unwrap().to_string();
    assert!(etag.starts_with('"'), "{etag}");

    // If-None-Match with the tag (or in a list, or weak) → 304, no body.
    for tag in [etag.clone(), format!("\"x\", W/{etag}"), "*".to_string()] {
      let r = with(s.port, path, &[("if-none-match", &tag)]);
      assert_eq!(r.status, 304, "{path} {tag}");
      assert!(r.body.is_empty());
      assert_eq!(r.header("etag"), Some(etag.as_str()));
    }
    assert_eq!(
      with(s.port, path, &[("if-none-match", "\"other\"")]).status,
      200
    );
    // If-Modified-Since: not modified since a later date; modified since an
    // earlier one.
    let later = "Fri, 01 Jan 2100 00:00:00 GMT";
    assert_eq!(
      with(s.port, path, &[("if-modified-since", later)]).status,
      304
    );
    let earlier = "Thu, 01 Jan 1970 00:00:00 GMT";
    assert_eq!(
      with(s.port, path, &[("if-modified-since", earlier)]).status,
      200
    );

    // If-Match / If-Unmodified-Since: 412 unless the file is as expected.
    assert_eq!(with(s.port, path, &[("if-match", "\"other\"")]).status, 412);
    assert_eq!(with(s.port, path, &[("if-match", &etag)]).status, 200);
    assert_eq!(
      with(s.port, path, &[("if-unmodified-since", earlier)]).status,
      412
    );
    assert_eq!(
      with(s.port, path, &[("if-unmodified-since", later)]).status,
      200
    );

    // Ranges.
    let r = with(s.port, path, &[("range", "bytes=2-5")]);
    assert_eq!((r.status, r.text().as_str()), (206, "2345"), "{path}");
    assert_eq!(r.header("content-range"), Some("bytes 2-5/16"));
    assert_eq!(r.header("content-length"), Some("4"));
    let r = with(s.port, path, &[("range", "bytes=-3")]);
    assert_eq!((r.status, r.text().as_str()), (206, "def"));
    let r = with(s.port, path, &[("range", "bytes=10-")]);
    assert_eq!((r.status, r.text().as_str()), (206, "abcdef"));
    let r = with(s.port, path, &[("range", "bytes=16-")]);
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */16"));
    // Several ranges: the whole file, as RFC 9110 allows.
    let r = with(s.port, path, &[("range", "bytes=0-1,4-5")]);
    assert_eq!((r.status, r.text().len()), (200, 16));
    // If-Range with a stale tag: the whole file; with the current one: the range.
    let r = with(
      s.port,
      path,
      &[("range", "bytes=0-1"), ("if-range", "\"stale\"")],
    );
    assert_eq!(r.status, 200);
    let r = with(s.port, path, &[("range", "bytes=0-1"), ("if-range", &etag)]);
    assert_eq!((r.status, r.text().as_str()), (206, "01"));
    // HEAD: the length, no body.
    let r = send(s.port, "HEAD", path, &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some("16"));
    assert!(r.body.is_empty());
  }
  assert_eq!(get(s.port, "/handler").header("x-handler"), Some("1"));
  assert_eq!(get(s.port, "/route-response").header("x-route"), Some("1"));
  // A slice is the entity: 200 with its bytes.
  let r = get(s.port, "/slice");
  assert_eq!((r.status, r.text().as_str()), (200, "2345"));
  assert_eq!(
    get(s.port, "/typed").header("content-type"),
    Some("application/x-custom")
  );
  // Another status: sent as is, no validators applied.
  let r = with(s.port, "/status", &[("range", "bytes=0-1")]);
  assert_eq!((r.status, r.text().len()), (404, 16));

  // Missing: 404 in routes; error() with Node's code in handlers; a
  // directory is never sent.
  assert_eq!(get(s.port, "/route-missing").status, 404);
  assert_eq!(get(s.port, "/missing").text(), "error ENOENT");
  assert_eq!(get(s.port, "/dir").text(), "error EISDIR");

  // 8 MiB, whole and from the middle, on one keep-alive connection.
  let mut c = Conn::open(s.port);
  let r = c.get("/big");
  assert_eq!(r.body.len(), big.len());
  assert!(r.body == big, "big file bytes differ");
  c.send(
    b"GET /big HTTP/1.1\r\nHost: x\r\nRange: bytes=1000000-2999999\r\n\r\n",
  );
  let r = c.read_response(false);
  assert_eq!(r.status, 206);
  assert!(r.body == big[1_000_000..3_000_000], "range bytes differ");

  // Over HTTP/2 (prior knowledge) too, whole and a range.
  for (range, want) in [
    (None, &big[..]),
    (Some("1000000-2999999"), &big[1_000_000..3_000_000]),
  ] {
    let mut curl = std::process::Command::new("curl");
    curl.args(["-sS", "--max-time", "20", "--http2-prior-knowledge"]);
    if let Some(range) = range {
      curl.args(["-r", range]);
    }
    let out = curl
      .arg(format!("http://127.0.0.1:{}/big", s.port))
      .output()
      .expect("curl (installed by .ci/deps)");
    assert!(
      out.status.success(),
      "{}",
      String::from_utf8_lossy(&out.stderr)
    );
    assert!(
      out.stdout == want,
      "h2 {range:?}: {} bytes",
      out.stdout.len()
    );
  }

  // Routes open the file per request: a change shows at once.
  std::fs::write(dir.join("data.txt"), "changed").unwrap();
  assert_eq!(get(s.port, "/route").text(), "changed");
  std::fs::remove_file(dir.join("data.txt")).unwrap();
  assert_eq!(get(s.port, "/route").status, 404);
  assert_eq!(s.stop().code, 0);
  let _ = std::fs::remove_dir_all(&dir);
}

/// A client that stops reading a large file: the server keeps serving
/// others (the file is read as the socket drains, not ahead).
#[test]
fn a_stalled_download_does_not_stall_the_server() {
  let (dir, _) = files("stalled");
  let s = serve(&dir);
  let mut stalled =
    std::net::TcpStream::connect(("127.0.0.1", s.port)).unwrap();
  stalled
    .write_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
    .unwrap();
  let mut first = [0u8; 1024];
  let n = stalled.read(&mut first).unwrap();
  assert!(n > 0);
  for _ in 0..20 {
    assert_eq!(get(s.port, "/route").text(), "0123456789abcdef");
  }
  drop(stalled);
  assert_eq!(s.stop().code, 0);
  let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn static_example_serves_its_folder_and_nothing_outside() {
  let s = Served::spawn(
    &["serve", "--port", "0", "../../examples/static/server.js"],
    &[],
  );
  let r = get(s.port, "/");
  assert_eq!(r.status, 200);
  assert_eq!(r.header("content-type"), Some("text/html;charset=utf-8"));
  assert!(r.text().contains("Served by rt"));
  let r = get(s.port, "/style.css");
  assert_eq!(r.header("content-type"), Some("text/css;charset=utf-8"));
  assert!(get(s.port, "/docs/").text().contains("<h1>Docs</h1>"));
  // A directory without its slash and a missing file: 404.
  assert_eq!(get(s.port, "/docs").status, 404);
  assert_eq!(get(s.port, "/nope.html").status, 404);
  // Attempts to climb out, sent raw (no client-side normalization).
  for path in [
    "/../server.js",
    "/../../../../etc/passwd",
    "/%2e%2e/server.js",
    "/..%2fserver.js",
    "/docs/..%2f..%2fserver.js",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/..\\server.js",
  ] {
    let r = get(s.port, path);
    assert!(
      !r.text().contains("import { join") && !r.text().contains("root:"),
      "{path} leaked a file"
    );
    assert!([400, 403, 404].contains(&r.status), "{path}: {}", r.status);
  }
  // A bad escape is a 400, not a crash.
  assert_eq!(get(s.port, "/%E0%A4%A").status, 400);
  assert_eq!(s.stop().code, 0);
}
