//! `rt test`: the runner and `bun:test` against fixture suites whose every
//! outcome is known (tests/fixtures/bun_test), checked by the output Bun
//! prints and the exit code.

use crate::common::*;

fn rt_test(args: &[&str]) -> Output {
  let mut all = vec!["test"];
  all.extend_from_slice(args);
  run_in(&fixture("bun_test"), &all)
}

#[track_caller]
fn assert_lines(out: &Output, lines: &[&str]) {
  for line in lines {
    assert!(
      out.stderr.lines().any(|l| l == *line),
      "missing line {line:?} in:\n{}",
      out.stderr
    );
  }
}

#[test]
fn a_passing_suite_covers_the_bun_test_surface() {
  let out = rt_test(&["passing.test.ts"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  // The counts Bun 1.4.4 prints for the same file.
  assert_lines(
    &out,
    &[
      "passing.test.ts:",
      " 29 pass",
      " 2 skip",
      " 1 todo",
      " 0 fail",
      " 94 expect() calls",
      "29 passed, 0 failed",
      "(skip) modifiers > skipped is not run",
      "(todo) modifiers > todo without a body",
      "(skip) modifiers > skipIf(true) does not run",
    ],
  );
  for name in [
    "hooks ran in Bun's order",
    "each > add(1, 2) = 3",
    "each > add(2, 3) = 5",
    "each > ann is 3",
    "each > group y > gets its row",
    "async > done callback",
    "matchers > expect.extend",
    "mocks > spyOn wraps and restores a method",
    "modifiers > failing passes when the body throws",
    "modifiers > concurrent > a",
    "using and await using dispose at the end of the block",
  ] {
    assert!(
      out.stderr.contains(&format!("(pass) {name} [")),
      "{name}:\n{}",
      out.stderr
    );
  }
}

#[test]
fn each_outcome_is_reported_as_bun_reports_it() {
  let out = rt_test(&["outcomes.test.js"]);
  assert_eq!(out.code, 1, "{}", out.stderr);
  let e = &out.stderr;
  assert_lines(
    &out,
    &[
      "error: expect(received).toBe(expected)",
      "Expected: \"hello there\"",
      "Received: \"hello world\"",
      "error: expect(received).toEqual(expected)",
      "-     3,",
      "+     2,",
      "- Expected  - 1",
      "+ Received  + 1",
      "TypeError: boom",
      "  ^ this test timed out after 50ms.",
      "error: via done",
      "AssertionError: expected 2 assertions, but test ended with 1 assertion",
      "error: nobody awaited me",
      "  ^ this test is marked as failing but it passed. Remove `.failing` if tested behavior now works",
      "(skip) outcomes > skipped",
      "(todo) outcomes > todo",
      " 1 pass",
      " 1 skip",
      " 1 todo",
      " 8 fail",
      "1 passed, 8 failed",
    ],
  );
  // A failure shows the source line and a caret under the call.
  assert!(
    e.contains(
      "9 |     expect(\"hello world\").toBe(\"hello there\");\n                              ^\n"
    ),
    "{e}"
  );
  assert!(e.contains("at <anonymous> ("), "{e}");
  for name in ["fails toBe", "times out", "fails through done"] {
    assert!(e.contains(&format!("(fail) outcomes > {name} [")), "{e}");
  }
}

#[test]
fn only_runs_the_tests_marked_only() {
  let out = rt_test(&["only.test.js"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert!(!out.stderr.contains("not only"), "{}", out.stderr);
  assert!(!out.stderr.contains("filtered out"), "{}", out.stderr);
  assert_lines(&out, &[" 2 pass", " 0 fail"]);
}

#[test]
fn name_patterns_filter_and_are_counted() {
  let out = rt_test(&["-t", "add\\(1", "passing.test.ts"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert!(out.stderr.contains("(pass) each > add(1, 2) = 3"));
  assert!(!out.stderr.contains("add(2, 3)"), "{}", out.stderr);
  assert_lines(&out, &[" 1 pass", " 31 filtered out"]);
}

#[test]
fn a_bad_name_pattern_is_a_clear_error() {
  let out = rt_test(&["-t", "(", "only.test.js"]);
  assert_eq!(out.code, 1, "{}", out.stderr);
  assert!(
    out.stderr.contains(
      "error: -t/--test-name-pattern is not a valid regular expression"
    ),
    "{}",
    out.stderr
  );
  assert!(!out.stderr.contains("(pass)"), "{}", out.stderr);
}

#[test]
fn bail_stops_at_the_first_failure() {
  let out = rt_test(&["--bail", "outcomes.test.js", "only.test.js"]);
  assert_eq!(out.code, 1, "{}", out.stderr);
  assert!(out.stderr.contains("(fail) outcomes > fails toBe"));
  assert!(!out.stderr.contains("fails toEqual"), "{}", out.stderr);
  assert!(!out.stderr.contains("only.test.js:"), "{}", out.stderr);
  assert_lines(&out, &["Bailed out after 1 failure"]);
}

#[test]
fn todo_runs_todo_tests_and_a_passing_one_fails() {
  let out = rt_test(&["todo.test.js"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert_lines(&out, &[" 2 todo", " 0 fail"]);
  let out = rt_test(&["--todo", "todo.test.js"]);
  assert_eq!(out.code, 1, "{}", out.stderr);
  assert_lines(
    &out,
    &[
      "  ^ this test is marked as todo but passes. Remove `.todo` if tested behavior now works",
      " 1 todo",
      " 1 fail",
    ],
  );
}

#[test]
fn rerun_each_repeats_every_test() {
  let out = rt_test(&["--rerun-each=3", "only.test.js"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert_lines(&out, &[" 6 pass"]);
}

#[test]
fn default_timeout_applies_to_tests_without_their_own() {
  let dir = std::env::temp_dir()
    .join(format!("rt-test-timeout-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  std::fs::write(
    dir.join("slow.test.js"),
    "import { test } from 'bun:test';\n\
     test('slow', () => new Promise((r) => setTimeout(r, 5000)));\n",
  )
  .unwrap();
  let out = run_in(&dir, &["test", "--timeout", "30"]);
  std::fs::remove_dir_all(&dir).unwrap();
  assert_eq!(out.code, 1, "{}", out.stderr);
  assert_lines(&out, &["  ^ this test timed out after 30ms."]);
}

#[test]
fn junit_report_for_ci() {
  let report =
    std::env::temp_dir().join(format!("rt-junit-{}.xml", std::process::id()));
  let report_arg = format!("--reporter-outfile={}", report.display());
  let out = rt_test(&["--reporter=junit", &report_arg, "outcomes.test.js"]);
  assert_eq!(out.code, 1, "{}", out.stderr);
  let xml = std::fs::read_to_string(&report).unwrap();
  std::fs::remove_file(&report).unwrap();
  assert!(xml.starts_with("<?xml"), "{xml}");
  assert!(
    xml.contains("<testsuite name=\"outcomes.test.js\" tests=\"11\" failures=\"8\" skipped=\"2\""),
    "{xml}"
  );
  assert!(
    xml.contains("<testcase name=\"passes\" classname=\"outcomes\""),
    "{xml}"
  );
  assert!(
    xml
      .contains("<failure message=\"error: expect(received).toBe(expected)\">"),
    "{xml}"
  );
  assert!(xml.contains("&quot;hello there&quot;"), "{xml}");
  assert!(xml.contains("<skipped message=\"TODO\" />"), "{xml}");
}

#[test]
fn files_are_found_by_bun_naming_rules() {
  let dir = std::env::temp_dir()
    .join(format!("rt-test-discover-{}", std::process::id()));
  let _ = std::fs::remove_dir_all(&dir);
  std::fs::create_dir_all(dir.join("src/node_modules/pkg")).unwrap();
  std::fs::create_dir_all(dir.join(".hidden")).unwrap();
  let body = "import { test } from 'bun:test'; test('t', () => {});\n";
  for name in [
    "a.test.ts",
    "src/b_test.js",
    "src/c.spec.mjs",
    "src/d_spec.tsx",
    "src/node_modules/pkg/e.test.js",
    ".hidden/f.test.js",
    "src/util.ts",
  ] {
    std::fs::write(dir.join(name), body).unwrap();
  }
  let out = run_in(&dir, &["test"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert_lines(
    &out,
    &[
      "a.test.ts:",
      "src/b_test.js:",
      "src/c.spec.mjs:",
      "src/d_spec.tsx:",
    ],
  );
  assert!(
    out.stderr.contains("Ran 4 tests across 4 files."),
    "{}",
    out.stderr
  );
  // A path filter picks files by substring.
  let out = run_in(&dir, &["test", "spec"]);
  assert!(
    out.stderr.contains("Ran 2 tests across 2 files."),
    "{}",
    out.stderr
  );
  // Nothing to run is an error, as in Bun.
  let out = run_in(&dir.join(".hidden"), &["test", "nomatch"]);
  assert_eq!(out.code, 1);
  assert!(out.stderr.contains("No tests found!"), "{}", out.stderr);
  std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn expectations_hold_a_run_to_known_results() {
  let file =
    std::env::temp_dir().join(format!("rt-expect-{}.json", std::process::id()));
  let _ = std::fs::remove_file(&file);
  let file_arg = format!("--expectations={}", file.display());
  // Without expectations every failure is unexpected.
  let out = rt_test(&[&file_arg, "outcomes.test.js"]);
  assert_eq!(out.code, 1, "{}", out.stderr);
  assert!(
    out
      .stderr
      .contains("unexpected failure: outcomes > fails toBe"),
    "{}",
    out.stderr
  );
  // Recorded, the same run matches.
  let out = rt_test(&[&file_arg, "--update-expectations", "outcomes.test.js"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  let out = rt_test(&[&file_arg, "outcomes.test.js"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert!(
    out.stderr.contains("every result as expected"),
    "{}",
    out.stderr
  );
  // A test expected to fail that passes is reported too.
  let text = std::fs::read_to_string(&file).unwrap();
  let text = text.replace(
    "\"outcomes > fails toBe\",",
    "\"outcomes > passes\",\n\"outcomes > fails toBe\",",
  );
  std::fs::write(&file, text).unwrap();
  let out = rt_test(&[&file_arg, "outcomes.test.js"]);
  assert_eq!(out.code, 1, "{}", out.stderr);
  assert!(
    out
      .stderr
      .contains("expected to fail, did not: outcomes > passes"),
    "{}",
    out.stderr
  );
  std::fs::remove_file(&file).unwrap();
}

#[test]
fn the_harness_stand_in_works() {
  let out = rt_test(&["harness.test.ts"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert_lines(&out, &[" 4 pass", " 0 fail"]);
}

#[test]
fn a_file_that_fails_to_load_is_a_failure() {
  let dir =
    std::env::temp_dir().join(format!("rt-test-load-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  std::fs::write(
    dir.join("bad.test.js"),
    "import { nope } from './missing.js';\n",
  )
  .unwrap();
  std::fs::write(
    dir.join("exits.test.js"),
    "import { test } from 'bun:test'; test('exits', () => process.exit(3));\n",
  )
  .unwrap();
  let out = run_in(&dir, &["test"]);
  std::fs::remove_dir_all(&dir).unwrap();
  assert_eq!(out.code, 1, "{}", out.stderr);
  assert!(
    out.stderr.contains("# Unhandled error between tests"),
    "{}",
    out.stderr
  );
  assert!(out.stderr.contains("missing.js"), "{}", out.stderr);
  assert!(
    out
      .stderr
      .contains("(fail) the test process exited with code 3"),
    "{}",
    out.stderr
  );
  assert_lines(&out, &[" 2 fail"]);
}

#[test]
fn bun_test_outside_rt_test_says_so() {
  let dir = std::env::temp_dir()
    .join(format!("rt-test-outside-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  std::fs::write(
    dir.join("x.js"),
    "import { expect, test } from 'bun:test';\n\
     expect(1 + 1).toBe(2);\n\
     try { expect(1).toBe(2); } catch (e) { console.log(e.message.split('\\n')[0]); }\n",
  )
  .unwrap();
  let out = run_in(&dir, &["run", "x.js"]);
  std::fs::remove_dir_all(&dir).unwrap();
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert_eq!(out.stdout, "expect(received).toBe(expected)\n");
}
