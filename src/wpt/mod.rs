//! `rt wpt`: runs web-platform-tests from `../shared/wpt` (or `$WPT_ROOT`)
//! and compares them with `wpt/expectations/`.
//!
//! Like Deno's runner: wptserve generates each variant's wrapper page; rt
//! fetches it, collects its scripts in order (swapping in its own
//! `testharnessreport.js`, which prints one JSON line per subtest), and runs
//! them as classic scripts in a child `rt wpt-run` with `location` set to the
//! test URL. A file matches its expectation or the run fails, either way.

mod expectations;
mod page;
mod server;

use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;
use std::rc::Rc;

use expectations::Expectation;
use expectations::Expectations;
use serde_json::Value;

/// `rt wpt` arguments.
#[derive(clap::Args, Debug)]
pub struct WptArgs {
  /// Rewrite the expectations from this run's results.
  #[arg(long)]
  update: bool,
  /// Write every variant's result to this file (JSON).
  #[arg(long)]
  json: Option<PathBuf>,
  /// Test processes at once (default: the number of CPUs).
  #[arg(long)]
  jobs: Option<usize>,
  /// Run the tests on a peer instead of rt, to compare (`deno`, or a path
  /// to a Deno binary): the same variants, pages and reporter; results are
  /// reported (and written with `--json`), not checked.
  #[arg(long, value_name = "deno|PATH", conflicts_with = "update")]
  peer: Option<String>,
  /// Path prefixes to run (`url/`, `encoding/api-basics`); default: every
  /// folder rt tracks.
  filters: Vec<String>,
}

/// The folders a run without filters covers.
const DEFAULT_FOLDERS: &[&str] = &[
  "fetch/",
  "url/",
  "encoding/",
  "websockets/",
  "streams/",
  "FileAPI/",
  "compression/",
  "dom/abort/",
  "dom/events/",
  "webidl/",
  "console/",
  "hr-time/",
  "html/webappapis/",
];

/// One variant to run.
#[derive(Debug, Clone)]
pub struct Variant {
  /// Path and query below the suite root, e.g. `url/a.any.html?x`.
  pub path: String,
  /// `timeout=long` in the manifest: 60 s instead of 10 s.
  pub long: bool,
}

/// A subtest's result (testharness status codes: 0 pass, 1 fail,
/// 2 timeout, 3 not run, 4 precondition failed).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Subtest {
  name: String,
  status: u64,
  message: Option<String>,
}

/// A variant's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Outcome {
  variant: String,
  subtests: Vec<Subtest>,
  /// The harness status (0 OK, 1 error, 2 timeout), when it completed.
  harness: Option<u64>,
  /// Why there was no harness status: timeout, crash output, or skip.
  problem: Option<String>,
  skipped: bool,
}

impl Outcome {
  fn completed(&self) -> bool {
    self.harness == Some(0)
  }

  fn failing(&self) -> Vec<String> {
    self
      .subtests
      .iter()
      .filter(|s| s.status != 0)
      .map(|s| s.name.clone())
      .collect()
  }

  /// The expectation this result would be recorded as (Deno's rules).
  fn as_expectation(&self) -> Expectation {
    let failing = self.failing();
    if !self.completed()
      || (failing.len() == self.subtests.len() && !failing.is_empty())
    {
      Expectation::Fail
    } else if failing.is_empty() {
      Expectation::Pass
    } else {
      Expectation::ExpectedFailures(failing)
    }
  }

  /// Whether the result matches `expected`; the reason when it does not.
  fn check(&self, expected: &Expectation) -> Result<(), String> {
    match expected {
      Expectation::Ignore | Expectation::Flaky => Ok(()),
      Expectation::Fail => match self.as_expectation() {
        Expectation::Fail => Ok(()),
        _ if !self.failing().is_empty() => Ok(()),
        _ => Err("expected to fail, but every subtest passes".into()),
      },
      Expectation::Pass | Expectation::ExpectedFailures(_) => {
        if !self.completed() {
          return Err(
            self
              .problem
              .clone()
              .unwrap_or_else(|| "harness error".into()),
          );
        }
        let allowed: &[String] = match expected {
          Expectation::ExpectedFailures(names) => names,
          _ => &[],
        };
        let failing = self.failing();
        let unexpected: Vec<&String> =
          failing.iter().filter(|n| !allowed.contains(n)).collect();
        let passing_now: Vec<&String> = allowed
          .iter()
          .filter(|n| {
            !failing.contains(n) && self.subtests.iter().any(|s| &s.name == *n)
          })
          .collect();
        match (unexpected.first(), passing_now.first()) {
          (None, None) => Ok(()),
          (Some(name), _) => Err(format!(
            "{} unexpected failure(s), e.g. {name:?}",
            unexpected.len()
          )),
          (None, Some(name)) => Err(format!(
            "{} expected failure(s) now pass, e.g. {name:?}",
            passing_now.len()
          )),
        }
      }
    }
  }
}

fn wpt_root() -> PathBuf {
  if let Some(root) = std::env::var_os("WPT_ROOT") {
    return PathBuf::from(root);
  }
  let local = PathBuf::from("../shared/wpt");
  if local.is_dir() {
    return local;
  }
  Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/wpt")
}

fn expectations_dir() -> PathBuf {
  let local = PathBuf::from("wpt/expectations");
  if local.is_dir() {
    return local;
  }
  Path::new(env!("CARGO_MANIFEST_DIR")).join("wpt/expectations")
}

/// Reads (building it once if needed) the suite's manifest.
fn manifest(root: &Path) -> Result<Value, String> {
  // Built once per checkout of rt (into its target directory).
  let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
  let dir = if dir.is_dir() {
    dir
  } else {
    std::env::temp_dir()
  };
  let path = dir.join("wpt-MANIFEST.json");
  if !path.exists() {
    eprintln!("Building the WPT manifest (about 20 s)...");
    let status = std::process::Command::new("python3")
      .args(["wpt", "manifest", "--no-download", "--tests-root", "."])
      .arg("-p")
      .arg(&path)
      .arg("--cache-root")
      .arg(dir.join("wpt-cache"))
      .current_dir(root)
      .env("PYTHONDONTWRITEBYTECODE", "1")
      .status()
      .map_err(|e| format!("could not run wpt manifest: {e}"))?;
    if !status.success() {
      return Err(format!("wpt manifest failed ({status})"));
    }
  }
  let text = std::fs::read_to_string(&path).map_err(|e| e.to_string())?;
  serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every window-like variant under the testharness items, filtered.
fn variants(manifest: &Value, filters: &[String]) -> Vec<Variant> {
  let mut out = Vec::new();
  fn walk(node: &Value, out: &mut Vec<Variant>) {
    let Value::Object(map) = node else { return };
    for child in map.values() {
      match child {
        Value::Array(entry) => {
          for item in entry.iter().skip(1) {
            let Some(pair) = item.as_array() else {
              continue;
            };
            let Some(url) = pair.first().and_then(Value::as_str) else {
              continue;
            };
            let long = pair
              .get(1)
              .and_then(|extras| extras.get("timeout"))
              .and_then(Value::as_str)
              == Some("long");
            out.push(Variant {
              path: url.trim_start_matches('/').to_string(),
              long,
            });
          }
        }
        Value::Object(_) => walk(child, out),
        _ => {}
      }
    }
  }
  if let Some(items) = manifest.pointer("/items/testharness") {
    walk(items, &mut out);
  }
  let prefixes: Vec<String> = if filters.is_empty() {
    DEFAULT_FOLDERS.iter().map(|f| f.to_string()).collect()
  } else {
    filters
      .iter()
      .map(|f| f.trim_start_matches('/').to_string())
      .collect()
  };
  out.retain(|v| {
    let file = v.path.split('?').next().unwrap_or_default();
    prefixes.iter().any(|p| v.path.starts_with(p.as_str()))
      && file.ends_with(".html")
      // Not runnable here at all (Deno skips them too).
      && !file.contains(".h2.")
      && !file.contains("shadowrealm")
      && !file.contains("serviceworker")
      && !file.contains("sharedworker")
      && !v.path.contains("request-upload")
      && !(filters.is_empty() && v.path.starts_with("encoding/legacy-mb"))
  });
  out.sort_by(|a, b| a.path.cmp(&b.path));
  out.dedup_by(|a, b| a.path == b.path);
  out
}

/// Runs the selected tests; returns the exit code.
pub fn main(args: WptArgs) -> i32 {
  let tokio = match tokio::runtime::Builder::new_current_thread()
    .enable_all()
    .build()
  {
    Ok(rt) => rt,
    Err(e) => {
      eprintln!("error: {e}");
      return 1;
    }
  };
  let local = tokio::task::LocalSet::new();
  match local.block_on(&tokio, run(args)) {
    Ok(code) => code,
    Err(message) => {
      eprintln!("error: {message}");
      1
    }
  }
}

async fn run(args: WptArgs) -> Result<i32, String> {
  let root = wpt_root();
  if !root.join("wpt").exists() {
    return Err(format!(
      "no WPT checkout at {} (set WPT_ROOT)",
      root.display()
    ));
  }
  let manifest = manifest(&root)?;
  let selected = variants(&manifest, &args.filters);
  if selected.is_empty() {
    return Err(format!("no tests match {:?}", args.filters));
  }
  let runner = match args.peer.as_deref() {
    None => page::Runner::Rt,
    Some(peer) => page::Runner::Deno(peer_binary(peer)?),
  };
  let mut expectations = Expectations::load(&expectations_dir())?;
  let log = std::env::temp_dir().join("rt-wpt-serve.log");
  let server = server::WptServer::start(&root, &log)?;
  let jobs = args
    .jobs
    .unwrap_or_else(|| {
      std::thread::available_parallelism().map_or(2, |n| n.get())
    })
    .max(1);
  let work = Rc::new(tempdir()?);
  let client = page::Client::new();
  let limit = Rc::new(tokio::sync::Semaphore::new(jobs));
  let mut tasks = Vec::new();
  for variant in selected {
    let expected = expectations.get(&variant.path);
    let (limit, client, work) = (limit.clone(), client.clone(), work.clone());
    let runner = runner.clone();
    tasks.push(tokio::task::spawn_local(async move {
      let _permit = limit.acquire().await;
      let outcome = if expected == Expectation::Ignore {
        Outcome {
          variant: variant.path.clone(),
          subtests: Vec::new(),
          harness: None,
          problem: Some("ignored".into()),
          skipped: true,
        }
      } else {
        page::run_variant(&client, &runner, &variant, &work).await
      };
      (outcome, expected)
    }));
  }
  let interrupted = tokio::signal::ctrl_c();
  tokio::pin!(interrupted);
  let mut outcomes = Vec::new();
  for task in tasks {
    tokio::select! {
      joined = task => {
        if let Ok(result) = joined {
          outcomes.push(result);
        }
      }
      _ = &mut interrupted => {
        drop(server);
        return Err("interrupted".into());
      }
    }
  }
  drop(server);
  let _ = std::fs::remove_dir_all(work.as_path());
  Ok(report(&args, &mut expectations, &outcomes))
}

/// The Deno binary `--peer` names: a path, or `deno` looked up on PATH.
fn peer_binary(peer: &str) -> Result<PathBuf, String> {
  let path = PathBuf::from(peer);
  if path.components().count() > 1 {
    return if path.is_file() {
      Ok(path)
    } else {
      Err(format!("--peer: no such file {peer}"))
    };
  }
  if peer != "deno" {
    return Err(format!("--peer: {peer:?} is not `deno` or a path to it"));
  }
  std::env::var_os("PATH")
    .iter()
    .flat_map(std::env::split_paths)
    .map(|dir| dir.join("deno"))
    .find(|candidate| candidate.is_file())
    .ok_or_else(|| "--peer deno: no `deno` on PATH".to_string())
}

fn tempdir() -> Result<PathBuf, String> {
  let dir = std::env::temp_dir().join(format!("rt-wpt-{}", std::process::id()));
  std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
  Ok(dir)
}

/// Prints per-folder pass rates and mismatches; updates expectations.
fn report(
  args: &WptArgs,
  expectations: &mut Expectations,
  outcomes: &[(Outcome, Expectation)],
) -> i32 {
  let mut folders: BTreeMap<String, (usize, usize)> = BTreeMap::new();
  let (mut passed, mut failed, mut skipped) = (0, 0, 0);
  for (outcome, expected) in outcomes {
    if outcome.skipped {
      skipped += 1;
      continue;
    }
    let folder = folder_of(&outcome.variant);
    let entry = folders.entry(folder).or_default();
    entry.0 += outcome.subtests.iter().filter(|s| s.status == 0).count();
    entry.1 += outcome
      .subtests
      .len()
      .max(usize::from(!outcome.completed()));
    if args.update {
      expectations.set(&outcome.variant, outcome.as_expectation());
      passed += 1;
      continue;
    }
    if args.peer.is_some() {
      // A peer's results are measured, not held to rt's expectations.
      passed += usize::from(outcome.completed());
      failed += usize::from(!outcome.completed());
      continue;
    }
    match outcome.check(expected) {
      Ok(()) => passed += 1,
      Err(reason) => {
        failed += 1;
        println!("FAIL {}: {reason}", outcome.variant);
      }
    }
  }
  for (folder, (ok, total)) in &folders {
    let percent = if *total == 0 {
      0.0
    } else {
      *ok as f64 * 100.0 / *total as f64
    };
    println!("{folder}: {ok}/{total} subtests passed ({percent:.1}%)");
  }
  if let Some(path) = &args.json {
    let all: Vec<&Outcome> = outcomes.iter().map(|(o, _)| o).collect();
    match serde_json::to_string_pretty(&all) {
      Ok(text) => {
        if let Err(e) = std::fs::write(path, text) {
          eprintln!("error: {}: {e}", path.display());
        }
      }
      Err(e) => eprintln!("error: {e}"),
    }
  }
  if args.update
    && let Err(e) = expectations.save()
  {
    eprintln!("error: {e}");
    return 1;
  }
  if skipped > 0 {
    println!("{skipped} skipped (ignored entries)");
  }
  if args.peer.is_some() {
    println!("{passed} completed, {failed} without a harness status");
    return 0;
  }
  println!("{passed} passed, {failed} failed");
  i32::from(failed > 0)
}

/// The folder a variant is reported under: two levels for the suites
/// split that way (`fetch/api`, `dom/events`, `html/webappapis`).
fn folder_of(variant: &str) -> String {
  let parts: Vec<&str> = variant.split('/').collect();
  match parts.as_slice() {
    [first @ ("fetch" | "dom" | "html"), second, _, ..] => {
      format!("{first}/{second}")
    }
    [first, ..] => first.to_string(),
    [] => String::new(),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn outcome(results: &[(&str, u64)], harness: Option<u64>) -> Outcome {
    Outcome {
      variant: "x/y.any.html".into(),
      subtests: results
        .iter()
        .map(|(name, status)| Subtest {
          name: name.to_string(),
          status: *status,
          message: None,
        })
        .collect(),
      harness,
      problem: None,
      skipped: false,
    }
  }

  #[test]
  fn unexpected_results_fail_either_way() {
    let all_pass = outcome(&[("a", 0), ("b", 0)], Some(0));
    let one_fails = outcome(&[("a", 0), ("b", 1)], Some(0));
    let crashed = outcome(&[], None);
    let b = Expectation::ExpectedFailures(vec!["b".into()]);
    assert!(all_pass.check(&Expectation::Pass).is_ok());
    assert!(one_fails.check(&Expectation::Pass).is_err());
    assert!(one_fails.check(&b).is_ok());
    // An expected failure that now passes is reported too.
    assert!(all_pass.check(&b).is_err());
    assert!(all_pass.check(&Expectation::Fail).is_err());
    assert!(crashed.check(&Expectation::Fail).is_ok());
    assert!(crashed.check(&Expectation::Pass).is_err());
    assert!(crashed.check(&Expectation::Flaky).is_ok());
  }

  #[test]
  fn results_are_recorded_as_deno_records_them() {
    assert_eq!(
      outcome(&[("a", 0)], Some(0)).as_expectation(),
      Expectation::Pass
    );
    assert_eq!(
      outcome(&[("a", 0), ("b", 2)], Some(0)).as_expectation(),
      Expectation::ExpectedFailures(vec!["b".into()])
    );
    assert_eq!(
      outcome(&[("a", 1)], Some(0)).as_expectation(),
      Expectation::Fail
    );
    assert_eq!(
      outcome(&[("a", 0)], None).as_expectation(),
      Expectation::Fail
    );
  }

  #[test]
  fn folders_split_fetch_dom_and_html_one_level_deeper() {
    assert_eq!(folder_of("fetch/api/basic/x.any.html"), "fetch/api");
    assert_eq!(folder_of("url/a.any.html?x"), "url");
    assert_eq!(folder_of("dom/abort/x.any.html"), "dom/abort");
  }
}
