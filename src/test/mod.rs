//! `rt test`: finds test files, runs each in a child `rt test-run` (its own
//! runtime and process, so a crash or a leaked server ends with the file),
//! and sums up what the children report, as `bun test` does.
//!
//! The child prints Bun's per-test lines itself (stderr) and appends one
//! JSON line per result to a report file the parent reads after it exits.

mod discover;
mod expectations;
mod junit;

use std::path::Path;
use std::path::PathBuf;
use std::time::Instant;

use serde::Deserialize;

use rt_ext::ext::test::runner::TestConfig;

/// `rt test` arguments (Bun's flags).
#[derive(clap::Args, Debug, Clone)]
pub struct TestArgs {
  /// Run only tests whose full name matches this regular expression.
  #[arg(short = 't', long = "test-name-pattern", value_name = "PATTERN")]
  test_name_pattern: Option<String>,
  /// Default per-test timeout in milliseconds.
  #[arg(long, default_value_t = 5000)]
  timeout: u64,
  /// Stop after this many failures (1 when given without a number).
  #[arg(long, num_args = 0..=1, default_missing_value = "1", require_equals = true)]
  bail: Option<u32>,
  /// Run only tests marked `.only`.
  #[arg(long)]
  only: bool,
  /// Run `.todo` tests as well; one that passes is a failure.
  #[arg(long)]
  todo: bool,
  /// Run each test this many times.
  #[arg(long = "rerun-each", value_name = "N", default_value_t = 1)]
  rerun_each: u32,
  /// `junit`: also write a JUnit XML report (to `--reporter-outfile`).
  #[arg(long)]
  reporter: Option<String>,
  /// Where `--reporter=junit` writes.
  #[arg(long = "reporter-outfile", value_name = "FILE")]
  reporter_outfile: Option<PathBuf>,
  /// rt: a JSON file of the tests expected to fail per file; any other
  /// outcome than expected fails the run (as `rt wpt` does).
  #[arg(long, value_name = "FILE")]
  expectations: Option<PathBuf>,
  /// rt: rewrite `--expectations` from this run's results.
  #[arg(long = "update-expectations")]
  update_expectations: bool,
  /// Test files, directories to search, or path filters (default: `.`).
  paths: Vec<String>,
}

/// `rt test-run` arguments: one file, run by the parent.
#[derive(clap::Args, Debug)]
pub struct TestRunArgs {
  /// Append results here (JSON lines).
  #[arg(long)]
  report: Option<PathBuf>,
  #[arg(long, default_value_t = 5000)]
  timeout: u64,
  #[arg(long)]
  name_pattern: Option<String>,
  #[arg(long, default_value_t = 0)]
  bail: u32,
  #[arg(long)]
  only: bool,
  #[arg(long)]
  todo: bool,
  #[arg(long, default_value_t = 1)]
  rerun_each: u32,
  /// The test file.
  file: PathBuf,
}

/// One line of a child's report.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
  /// Describe blocks, then the test name.
  #[serde(default)]
  pub path: Vec<String>,
  /// `pass`, `fail`, `skip`, `todo`; `summary` for the last line.
  pub status: String,
  /// Duration in milliseconds.
  #[serde(default)]
  pub ms: f64,
  /// The failure as printed.
  #[serde(default)]
  pub message: Option<String>,
  /// On the summary line: `expect()` calls and tests filtered out.
  #[serde(default)]
  pub expect_calls: u64,
  #[serde(default)]
  pub filtered: u64,
}

impl TestResult {
  /// `describe > test`, as printed.
  pub fn name(&self) -> String {
    self.path.join(" > ")
  }
}

/// A file's results.
#[derive(Debug, Clone)]
pub struct FileResults {
  /// The path as shown (relative to the working directory when below it).
  pub shown: String,
  /// Each test's result.
  pub results: Vec<TestResult>,
  /// Wall time of the child.
  pub ms: f64,
}

#[derive(Default)]
struct Totals {
  pass: u64,
  fail: u64,
  skip: u64,
  todo: u64,
  filtered: u64,
  expect_calls: u64,
  tests: u64,
}

/// Runs `rt test`; returns the exit code.
pub fn main(args: TestArgs) -> i32 {
  let started = Instant::now();
  let cwd = std::env::current_dir().unwrap_or_default();
  let files = match discover::find(&cwd, &args.paths) {
    Ok(files) => files,
    Err(message) => {
      eprintln!("error: {message}");
      return 1;
    }
  };
  eprintln!("rt test v{}", env!("CARGO_PKG_VERSION"));
  if files.is_empty() {
    eprintln!(
      "\nNo tests found! Tests need \".test\", \"_test_\", \".spec\" or \"_spec_\" in the filename (ex: \"MyApp.test.ts\")"
    );
    return 1;
  }
  let expectations = match &args.expectations {
    Some(path) => match expectations::Expectations::load(path) {
      Ok(e) => Some(e),
      Err(message) => {
        eprintln!("error: {message}");
        return 1;
      }
    },
    None => None,
  };
  let mut totals = Totals::default();
  let mut all = Vec::new();
  for file in &files {
    let shown = discover::shown(&cwd, file);
    eprintln!("\n{shown}:");
    let bail_left = args.bail.map(|b| b.saturating_sub(totals.fail as u32));
    let file_started = Instant::now();
    let results = match run_child(file, &args, bail_left) {
      Ok(results) => results,
      Err(message) => {
        eprintln!("error: {message}");
        return 1;
      }
    };
    for r in &results {
      match r.status.as_str() {
        "pass" => totals.pass += 1,
        "fail" => totals.fail += 1,
        "skip" => totals.skip += 1,
        "todo" => totals.todo += 1,
        "summary" => {
          totals.expect_calls += r.expect_calls;
          totals.filtered += r.filtered;
          continue;
        }
        _ => continue,
      }
      totals.tests += 1;
    }
    all.push(FileResults {
      shown,
      results: results
        .into_iter()
        .filter(|r| r.status != "summary")
        .collect(),
      ms: file_started.elapsed().as_secs_f64() * 1000.0,
    });
    if args
      .bail
      .is_some_and(|b| b > 0 && totals.fail >= u64::from(b))
    {
      eprintln!(
        "\nBailed out after {} failure{}",
        totals.fail,
        plural(totals.fail)
      );
      break;
    }
  }
  print_summary(&totals, files.len(), started);
  if args.reporter.as_deref() == Some("junit") {
    let out = args
      .reporter_outfile
      .clone()
      .unwrap_or_else(|| PathBuf::from("junit.xml"));
    if let Err(e) = std::fs::write(&out, junit::render(&all)) {
      eprintln!("error: cannot write {}: {e}", out.display());
      return 1;
    }
  } else if let Some(other) = &args.reporter {
    eprintln!("error: unknown reporter \"{other}\" (rt test has: junit)");
    return 1;
  }
  if let (Some(mut expectations), Some(path)) =
    (expectations, &args.expectations)
  {
    if args.update_expectations {
      expectations.update(&all);
      if let Err(message) = expectations.save(path) {
        eprintln!("error: {message}");
        return 1;
      }
      eprintln!("updated {}", path.display());
      return 0;
    }
    let unexpected = expectations.check(&all);
    if unexpected.is_empty() {
      eprintln!("every result as expected ({})", path.display());
      return 0;
    }
    eprintln!(
      "\n{} unexpected result{}:",
      unexpected.len(),
      plural(unexpected.len() as u64)
    );
    for line in &unexpected {
      eprintln!("  {line}");
    }
    return 1;
  }
  i32::from(totals.fail > 0)
}

fn plural(n: u64) -> &'static str {
  if n == 1 { "" } else { "s" }
}

fn print_summary(totals: &Totals, files: usize, started: Instant) {
  eprintln!();
  eprintln!(" {} pass", totals.pass);
  if totals.skip > 0 {
    eprintln!(" {} skip", totals.skip);
  }
  if totals.todo > 0 {
    eprintln!(" {} todo", totals.todo);
  }
  if totals.filtered > 0 {
    eprintln!(" {} filtered out", totals.filtered);
  }
  eprintln!(" {} fail", totals.fail);
  if totals.expect_calls > 0 {
    eprintln!(" {} expect() calls", totals.expect_calls);
  }
  eprintln!(
    "Ran {} test{} across {} file{}. [{:.2}ms]",
    totals.tests,
    plural(totals.tests),
    files,
    plural(files as u64),
    started.elapsed().as_secs_f64() * 1000.0
  );
  eprintln!("{} passed, {} failed", totals.pass, totals.fail);
}

/// Runs one file in a child `rt test-run` and reads its report.
fn run_child(
  file: &Path,
  args: &TestArgs,
  bail_left: Option<u32>,
) -> Result<Vec<TestResult>, String> {
  let exe = std::env::current_exe()
    .map_err(|e| format!("cannot find the rt binary: {e}"))?;
  let report = std::env::temp_dir().join(format!(
    "rt-test-{}-{}.jsonl",
    std::process::id(),
    uuid_like()
  ));
  let mut command = std::process::Command::new(exe);
  command
    .arg("test-run")
    .arg("--report")
    .arg(&report)
    .arg("--timeout")
    .arg(args.timeout.to_string())
    .arg("--rerun-each")
    .arg(args.rerun_each.max(1).to_string());
  if let Some(pattern) = &args.test_name_pattern {
    command.arg("--name-pattern").arg(pattern);
  }
  if let Some(bail) = bail_left {
    command.arg("--bail").arg(bail.max(1).to_string());
  }
  if args.only {
    command.arg("--only");
  }
  if args.todo {
    command.arg("--todo");
  }
  // The working directory stays the caller's, as with Bun.
  command.arg(file);
  let status = command
    .status()
    .map_err(|e| format!("cannot start the test process: {e}"))?;
  let text = std::fs::read_to_string(&report).unwrap_or_default();
  let _ = std::fs::remove_file(&report);
  let mut results: Vec<TestResult> = text
    .lines()
    .filter_map(|line| serde_json::from_str(line).ok())
    .collect();
  let failed = results.iter().any(|r| r.status == "fail");
  if !status.success() && !failed {
    // The process died (or exited non-zero) without a failed test to show
    // for it: that is the file's failure.
    let reason = match status.code() {
      Some(code) => format!("the test process exited with code {code}"),
      None => "the test process was killed by a signal".to_string(),
    };
    eprintln!("(fail) {reason}");
    results.push(TestResult {
      path: vec!["(test process)".to_string()],
      status: "fail".into(),
      ms: 0.0,
      message: Some(reason),
      expect_calls: 0,
      filtered: 0,
    });
  }
  Ok(results)
}

fn uuid_like() -> String {
  let nanos = std::time::SystemTime::now()
    .duration_since(std::time::UNIX_EPOCH)
    .map(|d| d.subsec_nanos())
    .unwrap_or_default();
  format!("{nanos:08x}")
}

/// `rt test-run`: runs one file's tests in this process.
pub fn run_file(args: TestRunArgs) -> i32 {
  let config = TestConfig {
    timeout: args.timeout,
    name_pattern: args.name_pattern,
    bail: args.bail,
    only: args.only,
    todo: args.todo,
    rerun_each: args.rerun_each.max(1),
  };
  crate::runtime::run_script(crate::runtime::ScriptOptions {
    main: args.file,
    test: Some(rt_ext::ext::test::runner::TestRun::new(config, args.report)),
    ..Default::default()
  })
}
