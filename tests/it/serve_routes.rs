//! `routes`: static responses served from Rust, params, wildcards, methods.

use crate::common::Served;
use crate::common::http::Conn;
use crate::common::http::get;
use crate::common::http::raw;
use crate::common::http::send;

#[test]
fn static_routes_carry_an_etag_and_answer_304() {
  let s = Served::serve("serve/app.js");
  let r = get(s.port, "/static");
  assert_eq!(r.text(), "static body");
  assert_eq!(r.header("x-static"), Some("yes"));
  // Implied by the body, in a Headers object of its own: the standard's
  // spelling (a response without one sends Bun's lowercase utf-8).
  assert_eq!(r.header("content-type"), Some("text/plain;charset=UTF-8"));
  let etag = r.header("etag").expect("etag").to_string();
  assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
  let again = raw(
    s.port,
    &format!(
      "GET /static HTTP/1.1\r\nHost: x\r\nIf-None-Match: {etag}\r\n\r\n"
    ),
  );
  assert_eq!(again.status, 304);
  assert!(again.body.is_empty());
  assert_eq!(again.header("etag"), Some(etag.as_str()));
  let weak = raw(
    s.port,
    &format!(
      "GET /static HTTP/1.1\r\nHost: x\r\nIf-None-Match: W/{etag}\r\n\r\n"
    ),
  );
  assert_eq!(weak.status, 304);
  let other = raw(
    s.port,
    "GET /static HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"nope\"\r\n\r\n",
  );
  assert_eq!(other.status, 200);
  let json = get(s.port, "/static-json");
  assert_eq!(
    json.header("content-type"),
    Some("application/json;charset=utf-8")
  );
  assert_eq!(json.text(), r#"{"fixed":true}"#);
}

#[test]
fn precedence_is_exact_then_param_then_wildcard() {
  let s = Served::serve("serve/app.js");
  assert_eq!(get(s.port, "/users/me").text(), "exact wins");
  assert!(get(s.port, "/users/42").text().starts_with(r#"{"id":"42""#));
  assert_eq!(get(s.port, "/wild/a/b").text(), "wildcard /wild/a/b");
  assert_eq!(get(s.port, "/wild/").text(), "wildcard /wild/");
  // Parameters are percent-decoded; dot segments are resolved first.
  assert_eq!(
    get(s.port, "/files/a%20b/c%2Fd").text(),
    r#"{"dir":"a b","name":"c/d"}"#
  );
  assert!(
    get(s.port, "/x/../users/7")
      .text()
      .starts_with(r#"{"id":"7""#)
  );
}

#[test]
fn per_method_routes_head_and_fallthrough() {
  let s = Served::serve("serve/app.js");
  assert_eq!(get(s.port, "/only-get").text(), "got");
  assert_eq!(send(s.port, "POST", "/only-get", &[], b"").text(), "posted");
  let mut c = Conn::open(s.port);
  c.send(b"HEAD /only-get HTTP/1.1\r\nHost: x\r\n\r\n");
  let head = c.read_response(true);
  assert_eq!(
    (head.status, head.header("content-length")),
    (200, Some("3"))
  );
  // DELETE is not listed: it falls through to fetch.
  let r = send(s.port, "DELETE", "/only-get", &[], b"");
  assert_eq!(
    (r.status, r.text().as_str()),
    (404, "fallback DELETE /only-get")
  );
  assert_eq!(
    get(s.port, "/method-fallthrough").text(),
    "fallback GET /method-fallthrough"
  );
  assert_eq!(
    send(s.port, "PUT", "/method-fallthrough", &[], b"").text(),
    "put only"
  );
  // `false` skips the route.
  assert_eq!(get(s.port, "/skipped").text(), "fallback GET /skipped");
}

#[test]
fn routes_without_fetch_answer_404_for_the_rest() {
  let s = Served::spawn(&["run", "serve/routes_only.js"], &[]);
  assert_eq!(get(s.port, "/").text(), "home");
  assert_eq!(get(s.port, "/api/v2/items").text(), r#"{"version":"v2"}"#);
  assert_eq!(get(s.port, "/missing").status, 404);
  assert_eq!(send(s.port, "POST", "/api/v2/items", &[], b"").status, 404);
}
