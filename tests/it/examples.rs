//! The examples the README points at keep working.

use crate::common::*;

#[test]
fn serve_example_answers_its_routes() {
  let s =
    Served::spawn(&["serve", "--port", "0", "../../examples/serve.js"], &[]);
  assert_eq!(http::get(s.port, "/").text(), "Hello from rt!\n");
  assert_eq!(http::get(s.port, "/users/5").text(), r#"{"id":"5"}"#);
  let echo = http::send(s.port, "POST", "/api/echo", &[], b"ping");
  assert_eq!(echo.text(), "ping");
  assert_eq!(http::get(s.port, "/nope").status, 404);
  assert_eq!(s.stop().code, 0);
}

#[test]
fn hello_example_runs() {
  let out = run_fixture("../../examples/hello.js", &[]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert!(
    out
      .stdout
      .starts_with("hello, rt\n- streams\n- timers\n- modules\n"),
    "{}",
    out.stdout
  );
}

#[test]
fn chat_example_serves_its_page_and_relays_a_room() {
  let s = Served::spawn(
    &["serve", "--port", "0", "../../examples/chat/server.js"],
    &[],
  );
  let page = http::get(s.port, "/");
  assert_eq!(page.header("content-type"), Some("text/html;charset=utf-8"));
  assert!(page.text().contains("new WebSocket(url)"));
  let mut ann = ws::RawWs::connect(s.port, "/chat?room=r1&name=ann");
  assert_eq!(ann.read_text(), r#"{"type":"joined","room":"r1"}"#);
  let mut bob = ws::RawWs::connect(s.port, "/chat?room=r1&name=bob");
  assert_eq!(bob.read_text(), r#"{"type":"joined","room":"r1"}"#);
  assert_eq!(ann.read_text(), r#"{"type":"system","text":"bob joined"}"#);
  // Another room hears nothing of r1.
  let mut cy = ws::RawWs::connect(s.port, "/chat?room=r2&name=cy");
  cy.read_text();
  bob.text("hi ann");
  let line = r#"{"type":"message","name":"bob","text":"hi ann"}"#;
  assert_eq!(ann.read_text(), line);
  assert_eq!(bob.read_text(), line);
  cy.text("alone");
  assert_eq!(
    cy.read_text(),
    r#"{"type":"message","name":"cy","text":"alone"}"#
  );
  assert_eq!(s.stop().code, 0);
}
