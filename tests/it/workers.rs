//! Web Workers (`new Worker`): a suite under `rt test`, and a script whose
//! process must stay alive while its worker works.

use crate::common::*;

#[test]
fn worker_suite_passes() {
  let out = run_in(&fixture("workers"), &["test", "workers.test.ts"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert!(out.stderr.contains("\n 10 pass\n"), "{}", out.stderr);
  assert!(out.stderr.contains("\n 0 fail\n"), "{}", out.stderr);
}

#[test]
fn a_worker_keeps_the_process_alive_until_it_is_done_unless_unrefed() {
  let out = run_fixture("workers/main.js", &[]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert_eq!(out.stdout, "worker says 42\nclosed 0\n");
  let out = run_fixture("workers/main.js", &["unref"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert_eq!(out.stdout, "main done\n");
}

#[test]
fn messages_posted_just_before_a_worker_ends_are_all_delivered() {
  for _ in 0..3 {
    let out = run_fixture("workers/burst.js", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "received 500, closed 0\n");
  }
}
