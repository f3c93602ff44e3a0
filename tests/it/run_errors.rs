//! Uncaught errors, bad scripts and exit codes, as Bun reports them.

use crate::common::*;

fn path(p: &str) -> String {
  fixture(p).display().to_string()
}

#[test]
fn uncaught_exception_prints_source_message_and_stack() {
  let out = run_fixture("errors/throw.js", &[]);
  assert_eq!(out.code, 1);
  assert_eq!(out.stdout, "");
  let expected = format!(
    "2 |   throw new Error(\"boom\");\n            ^\nerror: boom\n      at f ({p}:2:9)\n      at {p}:4:1\n",
    p = path("errors/throw.js")
  );
  assert_eq!(out.stderr, expected);
}

#[test]
fn unhandled_rejection_exits_1_with_the_error_class() {
  let out = run_fixture("errors/reject.js", &[]);
  assert_eq!(out.code, 1);
  assert_eq!(out.stdout, "before\n");
  assert!(out.stderr.contains("TypeError: nope\n"), "{}", out.stderr);
  assert!(
    out
      .stderr
      .contains(&format!("{}:2:16", path("errors/reject.js"))),
    "{}",
    out.stderr
  );
}

#[test]
fn exception_in_a_timer_stops_the_script() {
  let out = run_fixture("errors/timer_throw.js", &[]);
  assert_eq!(out.code, 1);
  assert_eq!(out.stdout, "");
  assert!(out.stderr.contains("RangeError: late\n"), "{}", out.stderr);
  assert!(
    out
      .stderr
      .contains(&format!("{}:2:", path("errors/timer_throw.js")))
  );
}

#[test]
fn rejection_from_top_level_await_exits_1() {
  let out = run_fixture("errors/tla_throw.js", &[]);
  assert_eq!(out.code, 1);
  assert!(out.stderr.contains("error: async boom\n"), "{}", out.stderr);
  assert!(
    out
      .stderr
      .contains(&format!("{}:3:", path("errors/tla_throw.js")))
  );
}

#[test]
fn errors_in_imported_modules_name_that_module() {
  let out = run_fixture("errors/nested.js", &[]);
  assert_eq!(out.code, 1);
  assert!(out.stderr.starts_with("2 |   null.x;\n"), "{}", out.stderr);
  assert!(out.stderr.contains("TypeError: "), "{}", out.stderr);
  assert!(
    out
      .stderr
      .contains(&format!("at explode ({}:2:", path("errors/lib_throws.js"))),
    "{}",
    out.stderr
  );
}

#[test]
fn syntax_error_is_one_clear_message_and_runs_nothing() {
  let out = run_fixture("errors/syntax.js", &[]);
  assert_eq!(out.code, 1);
  assert_eq!(out.stdout, "");
  assert!(out.stderr.contains("SyntaxError: "), "{}", out.stderr);
  assert!(
    out
      .stderr
      .contains(&format!("{}:2:", path("errors/syntax.js"))),
    "{}",
    out.stderr
  );
  assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn missing_file_is_one_line() {
  let out = run_fixture("errors/does-not-exist.js", &[]);
  assert_eq!(out.code, 1);
  assert_eq!(out.stdout, "");
  assert_eq!(
    out.stderr,
    "error: Module not found \"errors/does-not-exist.js\"\n"
  );
}

#[test]
fn missing_import_names_the_specifier_and_importer() {
  let out = run_fixture("errors/missing_import.js", &[]);
  assert_eq!(out.code, 1);
  assert_eq!(out.stdout, "");
  assert!(
    out.stderr.contains(&format!(
      "Cannot find module './nope.js' from '{}'",
      path("errors/missing_import.js")
    )),
    "{}",
    out.stderr
  );
  assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
}

#[test]
fn thrown_non_errors_print_their_value() {
  let out = run_fixture("errors/throw_value.js", &[]);
  assert_eq!(out.code, 1);
  assert_eq!(out.stderr, "error: 42\n");
}

#[test]
fn error_causes_are_printed() {
  let out = run_fixture("errors/cause.js", &[]);
  assert_eq!(out.code, 1);
  assert!(out.stderr.contains("error: outer\n"), "{}", out.stderr);
  assert!(
    out.stderr.contains("Caused by:\nerror: inner\n"),
    "{}",
    out.stderr
  );
}

#[test]
fn exit_code_property_sets_the_status() {
  let out = run_fixture("errors/exit_code.js", &[]);
  assert_eq!(out.code, 3);
  assert_eq!(out.stdout, "set\n");
}

#[test]
fn process_exit_leaves_at_once_with_output_flushed() {
  let out = run_fixture("errors/exit.js", &[]);
  assert_eq!(out.code, 4);
  assert_eq!(out.stdout, "a\n");
}

#[test]
fn cli_misuse_is_reported_without_a_panic() {
  let out = run_in(&fixture(""), &["run"]);
  assert_eq!(out.code, 1);
  assert!(out.stderr.contains("Usage"), "{}", out.stderr);
  let version = run_in(&fixture(""), &["--version"]);
  assert_eq!(version.code, 0);
  assert!(version.stdout.starts_with("rt "), "{}", version.stdout);
}

/// Regression: printing to a closed stdout (`rt app.js | head -1`) made
/// the write error escape as `error: undefined` with exit code 1; the text
/// is dropped instead, as Bun does.
#[test]
fn printing_to_a_closed_stdout_is_not_an_error() {
  let (reader, writer) = std::io::pipe().expect("pipe");
  // The reader is gone before rt writes anything: every write is EPIPE.
  drop(reader);
  let mut cmd = rt_command();
  cmd
    .arg(fixture("globals/print_many.js"))
    .stdout(writer)
    .stderr(std::process::Stdio::piped());
  let out = cmd.output().expect("run rt");
  let stderr = String::from_utf8_lossy(&out.stderr);
  assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
  assert!(!stderr.contains("error"), "stderr: {stderr}");
}
