//! Headers, Request, Response and FormData as JS sees them (no server).
//! The expected output (`classes.out`) was checked line by line against the
//! Fetch standard and Bun's documented behaviour.

use crate::common::*;

#[test]
fn headers_request_response_follow_the_fetch_standard() {
  let expected =
    std::fs::read_to_string(fixture("fetch_classes/classes.out")).unwrap();
  let out = run_fixture("fetch_classes/classes.js", &[]);
  assert_stdout(&out, &expected);
}
