//! The examples the README points at keep working.

mod common;

use common::*;

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
