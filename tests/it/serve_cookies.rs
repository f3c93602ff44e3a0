//! `req.cookies` in Bun.serve: read from the Cookie header(s), and changes
//! sent back as Set-Cookie, next to the Response's own.

use crate::common::http::send;
use crate::common::*;

fn set_cookies(r: &http::HttpResponse) -> Vec<&str> {
  r.headers
    .iter()
    .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
    .map(|(_, v)| v.as_str())
    .collect()
}

#[test]
fn request_cookies_are_read_and_changes_become_set_cookie() {
  let s = Served::spawn(&["run", "serve/cookies.js"], &[]);
  // Route: reads one, sets two; the Response's own Set-Cookie stays first.
  let r = send(
    s.port,
    "GET",
    "/login",
    &[("cookie", "user=ann; x=%C3%BC")],
    b"",
  );
  assert_eq!(r.text(), "hello ann");
  assert_eq!(
    set_cookies(&r),
    [
      "own=1; Path=/",
      "session=s%201; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax",
      "theme=dark; Path=/; SameSite=Lax",
    ]
  );
  // Deleting expires the cookie.
  let r = send(
    s.port,
    "GET",
    "/logout",
    &[("cookie", "session=s1; a=1")],
    b"",
  );
  assert_eq!(r.text(), r#"{"session":null,"size":1}"#);
  assert_eq!(
    set_cookies(&r),
    ["session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; SameSite=Lax"]
  );
  // fetch handlers have req.cookies too; several Cookie fields are one map.
  let r = send(
    s.port,
    "GET",
    "/count",
    &[("cookie", "visits=4"), ("cookie", "b=%20x")],
    b"",
  );
  assert_eq!(r.text(), r#"{"visits":"5","b":" x"}"#);
  assert_eq!(set_cookies(&r), ["visits=5; Path=/; SameSite=Lax"]);
  // Untouched cookies send nothing back.
  let r = send(s.port, "GET", "/plain", &[("cookie", "a=1")], b"");
  assert_eq!(r.text(), r#"{"a":"1"}"#);
  assert!(set_cookies(&r).is_empty());
  assert_eq!(s.stop().code, 0);
}
