//! A real browser uses examples/chat over HTTPS: headless Chromium (Debian's,
//! installed by .ci/deps) driven by playwright-core from the npm registry
//! (installed at test time) loads the page over HTTP/2, two pages join a
//! room and talk. The certificate is one `openssl req -x509` makes.

use crate::common;

use std::path::PathBuf;
use std::process::Command;

use crate::common::*;

const CHROMIUM: &str = "/usr/bin/chromium";

/// A directory with playwright-core installed and the driver script.
fn driver_dir() -> PathBuf {
  let dir = npm_project("browser", &["playwright-core@1"]);
  // The script imports playwright-core, so it lives beside node_modules.
  std::fs::write(dir.join("chat.mjs"), include_str!("../browser/chat.mjs"))
    .expect("chat.mjs");
  dir
}

#[test]
fn chromium_chats_over_https_with_http2() {
  assert!(
    std::path::Path::new(CHROMIUM).exists(),
    "{CHROMIUM} is missing: .ci/deps installs Debian's chromium"
  );
  let certs = std::env::temp_dir()
    .join(format!("rt-browser-chat-{}", std::process::id()));
  std::fs::create_dir_all(&certs).unwrap();
  common::certs::openssl(
    &certs,
    &[
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      "key.pem",
      "-out",
      "cert.pem",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost",
    ],
  );
  let cert = certs.join("cert.pem");
  let key = certs.join("key.pem");
  let s = Served::spawn(
    &["serve", "--port", "0", "../../examples/chat/server.js"],
    &[
      ("TLS_CERT", cert.to_str().unwrap()),
      ("TLS_KEY", key.to_str().unwrap()),
    ],
  );
  let dir = driver_dir();
  let mut node = Command::new("node");
  node
    .arg("chat.mjs")
    .current_dir(&dir)
    .env("CHROMIUM", CHROMIUM)
    .env("URL", format!("https://localhost:{}/", s.port));
  let out = node.output().expect("node (installed with npm)");
  let stdout = String::from_utf8_lossy(&out.stdout);
  assert!(
    out.status.success(),
    "driver failed: {stdout}\n{}",
    String::from_utf8_lossy(&out.stderr)
  );
  let result: serde_json::Value =
    serde_json::from_str(stdout.trim()).expect("one JSON line");
  assert_eq!(result.get("error"), None, "{result:#}");
  let pages = &result["pages"];
  assert_eq!(
    pages["ann"]["log"],
    serde_json::json!([
      "You joined #r1",
      "bob joined",
      "bob: hi ann",
      "ann: hello bob"
    ]),
    "{result:#}"
  );
  assert_eq!(
    pages["bob"]["log"],
    serde_json::json!(["You joined #r1", "bob: hi ann", "ann: hello bob"]),
    "{result:#}"
  );
  for name in ["ann", "bob"] {
    // The page came over HTTP/2 (ALPN h2).
    assert_eq!(pages[name]["document"], "h2", "{result:#}");
    // Chromium sends its WebSocket over the page's HTTP/2 connection (RFC
    // 8441: answered 200 on the stream, where HTTP/1.1 says 101).
    assert_eq!(
      pages[name]["websocket"],
      serde_json::json!([200]),
      "{result:#}"
    );
  }
  assert_eq!(s.stop().code, 0);
  let _ = std::fs::remove_dir_all(&certs);
}
