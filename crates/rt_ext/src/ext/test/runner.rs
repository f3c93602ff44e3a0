//! Ops behind `bun:test` when a file runs under `rt test`: the run's
//! settings, the per-test report the parent process reads, and the test
//! certificate the harness stand-in hands to tests.

use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;

use deno_core::OpState;
use deno_core::op2;
use serde::Serialize;

/// Errors from the test runner's ops.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum TestError {
  /// `bun:test` ran outside `rt test`.
  #[class(generic)]
  #[error(
    "bun:test runs its tests under `rt test` (this file was run with `rt run`)"
  )]
  NotUnderTest,
  /// The report file could not be written.
  #[class(generic)]
  #[error("cannot write the test report: {0}")]
  Report(#[from] std::io::Error),
  /// The test certificate could not be made.
  #[class(generic)]
  #[error("cannot make the test certificate: {0}")]
  Certificate(String),
}

/// Settings for one test file's run (from `rt test`'s flags).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestConfig {
  /// Default per-test timeout in milliseconds.
  pub timeout: u64,
  /// `-t`: a regular expression over the full test name.
  pub name_pattern: Option<String>,
  /// Stop after this many failures (0 = never).
  pub bail: u32,
  /// Run only tests marked `.only`.
  pub only: bool,
  /// Run `.todo` tests too (a passing one fails).
  pub todo: bool,
  /// Run each test this many times.
  pub rerun_each: u32,
}

/// Put in the op state by `rt test-run`.
pub struct TestRun {
  /// The settings.
  pub config: TestConfig,
  /// Where each result goes, one JSON object per line.
  pub report: Option<PathBuf>,
  file: RefCell<Option<std::fs::File>>,
}

impl TestRun {
  /// A run with these settings, reporting to `report` (appended to).
  pub fn new(config: TestConfig, report: Option<PathBuf>) -> Self {
    Self {
      config,
      report,
      file: RefCell::new(None),
    }
  }
}

/// The run's settings.
#[op2]
#[serde]
pub(crate) fn op_test_config(state: &OpState) -> Result<TestConfig, TestError> {
  state
    .try_borrow::<TestRun>()
    .map(|run| run.config.clone())
    .ok_or(TestError::NotUnderTest)
}

/// Appends one result line to the report (written at once, so a file that
/// crashes later still reports what ran).
#[op2(fast)]
pub(crate) fn op_test_report(
  state: &OpState,
  #[string] line: &str,
) -> Result<(), TestError> {
  let run = state
    .try_borrow::<TestRun>()
    .ok_or(TestError::NotUnderTest)?;
  let Some(path) = &run.report else {
    return Ok(());
  };
  let mut file = run.file.borrow_mut();
  if file.is_none() {
    *file = Some(
      std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?,
    );
  }
  if let Some(file) = file.as_mut() {
    file.write_all(format!("{line}\n").as_bytes())?;
  }
  Ok(())
}

/// A self-signed certificate for `localhost`/`127.0.0.1`, made now:
/// `{ cert, key }` in PEM (the harness's `tls`).
#[op2]
#[serde]
pub(crate) fn op_test_certificate() -> Result<(String, String), TestError> {
  let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
  let certified = rcgen::generate_simple_self_signed(names)
    .map_err(|e| TestError::Certificate(e.to_string()))?;
  Ok((certified.cert.pem(), certified.signing_key.serialize_pem()))
}
