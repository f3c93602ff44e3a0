//! `rt test --expectations FILE`: per test file (keyed by the end of its
//! path), the tests expected to fail and the pass/fail counts. A run must
//! match: an unexpected failure, an unexpected pass, a listed test that no
//! longer runs or a changed count fails it, as `rt wpt` does with WPT.

use std::collections::BTreeMap;
use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use serde::Serialize;

use super::FileResults;

/// One file's expected outcome.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub(super) struct FileExpectation {
  /// Tests that pass.
  pub pass: usize,
  /// Tests that fail.
  pub fail: usize,
  /// The failing tests by full name (`describe > test`).
  #[serde(default)]
  pub expected_failures: BTreeSet<String>,
}

/// The expectations file.
#[derive(Debug, Default)]
pub(super) struct Expectations {
  files: BTreeMap<String, FileExpectation>,
}

impl Expectations {
  /// Reads `path`; a missing file is empty expectations.
  pub(super) fn load(path: &Path) -> Result<Self, String> {
    let text = match std::fs::read_to_string(path) {
      Ok(text) => text,
      Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
        return Ok(Self::default());
      }
      Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let files = serde_json::from_str(&text)
      .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Self { files })
  }

  /// Writes the expectations back, sorted.
  pub(super) fn save(&self, path: &Path) -> Result<(), String> {
    let text =
      serde_json::to_string_pretty(&self.files).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n")
      .map_err(|e| format!("cannot write {}: {e}", path.display()))
  }

  fn key_for(&self, shown: &str) -> Option<&String> {
    self
      .files
      .keys()
      .filter(|key| {
        shown == key.as_str() || shown.ends_with(&format!("/{key}"))
      })
      .max_by_key(|key| key.len())
  }

  /// What this run did that the expectations did not say, one line each.
  pub(super) fn check(&self, run: &[FileResults]) -> Vec<String> {
    let mut out = Vec::new();
    for file in run {
      let expected = self
        .key_for(&file.shown)
        .and_then(|k| self.files.get(k))
        .cloned()
        .unwrap_or_default();
      let actual = outcome(file);
      for name in actual
        .expected_failures
        .difference(&expected.expected_failures)
      {
        out.push(format!("{}: unexpected failure: {name}", file.shown));
      }
      for name in expected
        .expected_failures
        .difference(&actual.expected_failures)
      {
        out.push(format!("{}: expected to fail, did not: {name}", file.shown));
      }
      if (actual.pass, actual.fail) != (expected.pass, expected.fail)
        && (self.key_for(&file.shown).is_some() || actual.fail > 0)
      {
        out.push(format!(
          "{}: {} pass, {} fail (expected {} pass, {} fail)",
          file.shown, actual.pass, actual.fail, expected.pass, expected.fail
        ));
      }
    }
    out
  }

  /// Takes this run's outcomes as the new expectations.
  pub(super) fn update(&mut self, run: &[FileResults]) {
    for file in run {
      let key = self
        .key_for(&file.shown)
        .cloned()
        .unwrap_or_else(|| file.shown.clone());
      self.files.insert(key, outcome(file));
    }
  }
}

fn outcome(file: &FileResults) -> FileExpectation {
  let mut e = FileExpectation::default();
  for r in &file.results {
    match r.status.as_str() {
      "pass" => e.pass += 1,
      "fail" => {
        e.fail += 1;
        e.expected_failures.insert(r.name());
      }
      _ => {}
    }
  }
  e
}
