//! Handler failures and bad options: clear answers, never a dead server.

use crate::common::Served;
use crate::common::http::get;
use crate::common::run_fixture;

#[test]
fn failures_in_development_show_the_error_page_and_serving_continues() {
  let s = Served::spawn(&["run", "serve/errors.js"], &[]);
  let r = get(s.port, "/throw");
  assert_eq!(r.status, 500);
  assert_eq!(r.header("content-type"), Some("text/html;charset=utf-8"));
  assert!(r.text().contains("Error: sync failure"), "{}", r.text());
  assert!(
    r.text().contains("errors.js:"),
    "stack in page: {}",
    r.text()
  );
  let r = get(s.port, "/reject");
  assert_eq!(r.status, 500);
  assert!(r.text().contains("TypeError: async failure"));
  // error() replaces the response...
  let r = get(s.port, "/handled");
  assert_eq!(
    (r.status, r.text().as_str()),
    (599, "custom: handled by error()")
  );
  // ...and when error() itself throws, the default 500 still goes out.
  assert_eq!(get(s.port, "/error-throws").status, 500);
  // A handler returning a non-Response is a handler error (Bun answers 200
  // with a welcome text; rt differs on purpose): error() gets a TypeError...
  let r = get(s.port, "/number");
  assert_eq!(
    (r.status, r.text().as_str()),
    (
      597,
      "caught: Expected a Response object, but received 'number'"
    )
  );
  // ...and without an answer from error() it is the default 500.
  for path in ["/not-response", "/undefined"] {
    let r = get(s.port, path);
    assert_eq!(r.status, 500, "{path}");
    assert!(r.text().contains("Expected a Response object"), "{path}");
  }
  assert_eq!(get(s.port, "/response-error").status, 500);
  assert_eq!(get(s.port, "/").text(), "ok");
  let out = s.stop();
  assert_eq!(out.code, 0);
  assert!(out.stdout.contains("development=true"));
  assert!(
    out.stderr.contains("sync failure"),
    "errors are logged: {}",
    out.stderr
  );
  assert!(
    out.stderr.contains("Expected a Response object"),
    "{}",
    out.stderr
  );
}

#[test]
fn failures_in_production_are_plain_500s() {
  let s =
    Served::spawn(&["run", "serve/errors.js"], &[("NODE_ENV", "production")]);
  let r = get(s.port, "/throw");
  assert_eq!(
    (r.status, r.text().as_str()),
    (500, "Internal Server Error")
  );
  assert_eq!(
    (
      get(s.port, "/not-response").status,
      get(s.port, "/number").status
    ),
    (500, 597)
  );
  assert_eq!(get(s.port, "/handled").status, 599);
  let out = s.stop();
  assert!(out.stdout.contains("development=false production=true"));
}

#[test]
fn bad_options_throw_typed_errors() {
  let out = run_fixture("serve/options.js", &[]);
  assert_eq!(
    out.stdout,
    "port out of range: RangeError ERR_OUT_OF_RANGE\n\
negative port: RangeError ERR_OUT_OF_RANGE\n\
port not a number: RangeError ERR_OUT_OF_RANGE\n\
routes not an object: TypeError ERR_INVALID_ARG_TYPE\n\
unknown route value: TypeError ERR_INVALID_ARG_TYPE\n\
route param starting with digit: TypeError\n\
route without slash: TypeError\n\
no handler: TypeError ERR_INVALID_ARG_TYPE\n\
fetch not a function: TypeError ERR_INVALID_ARG_TYPE\n\
idleTimeout too big: RangeError\n\
bad method key: TypeError\n\
no options: TypeError\n\
port in use: EADDRINUSE\n\
done\n",
    "stderr: {}",
    out.stderr
  );
  assert_eq!(out.code, 0);
}

#[test]
fn invalid_response_headers_become_a_500() {
  let s = Served::serve("serve/app.js");
  assert_eq!(get(s.port, "/bad-header").status, 500);
  assert_eq!(get(s.port, "/").status, 200);
}
