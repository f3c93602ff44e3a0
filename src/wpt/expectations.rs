//! `wpt/expectations/<folder>.json`: per test variant, `true` (every
//! subtest passes), `false` (the file fails), `{ "expectedFailures": [...] }`,
//! `{ "ignore": true }` or `{ "flaky": true }`. Nested by path segment, as
//! Deno's runner stores them, so the two diff directly.

use std::collections::BTreeMap;
use std::path::Path;
use std::path::PathBuf;

use serde_json::Value;

/// What a variant is expected to do.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Expectation {
  /// Every subtest passes.
  Pass,
  /// The file fails (crash, timeout, or every subtest fails).
  Fail,
  /// These subtests fail; the rest pass.
  ExpectedFailures(Vec<String>),
  /// Not run.
  Ignore,
  /// Run, never counted.
  Flaky,
}

impl Expectation {
  fn from_json(value: &Value) -> Option<Self> {
    match value {
      Value::Bool(true) => Some(Self::Pass),
      Value::Bool(false) => Some(Self::Fail),
      Value::Object(map) => {
        if map.get("ignore") == Some(&Value::Bool(true)) {
          return Some(Self::Ignore);
        }
        if map.get("flaky") == Some(&Value::Bool(true)) {
          return Some(Self::Flaky);
        }
        let names = map.get("expectedFailures")?.as_array()?;
        Some(Self::ExpectedFailures(
          names
            .iter()
            .filter_map(|n| n.as_str().map(String::from))
            .collect(),
        ))
      }
      _ => None,
    }
  }

  fn to_json(&self) -> Value {
    match self {
      Self::Pass => Value::Bool(true),
      Self::Fail => Value::Bool(false),
      Self::ExpectedFailures(names) => {
        let mut map = serde_json::Map::new();
        map.insert(
          "expectedFailures".into(),
          Value::Array(names.iter().cloned().map(Value::String).collect()),
        );
        Value::Object(map)
      }
      Self::Ignore => serde_json::json!({ "ignore": true }),
      Self::Flaky => serde_json::json!({ "flaky": true }),
    }
  }
}

/// Every expectation file, keyed by variant path (`url/a.any.html?x`).
pub(super) struct Expectations {
  dir: PathBuf,
  entries: BTreeMap<String, Expectation>,
}

fn flatten(
  prefix: &str,
  value: &Value,
  out: &mut BTreeMap<String, Expectation>,
) {
  if let Some(expectation) = Expectation::from_json(value) {
    out.insert(prefix.to_string(), expectation);
    return;
  }
  if let Value::Object(map) = value {
    for (key, child) in map {
      flatten(&format!("{prefix}/{key}"), child, out);
    }
  }
}

impl Expectations {
  /// Loads every `*.json` in `dir` (missing directory: no expectations).
  pub(super) fn load(dir: &Path) -> Result<Self, String> {
    let mut entries = BTreeMap::new();
    if let Ok(read) = std::fs::read_dir(dir) {
      for entry in read.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
          continue;
        }
        let folder = path
          .file_stem()
          .and_then(|s| s.to_str())
          .unwrap_or_default()
          .to_string();
        let text = std::fs::read_to_string(&path)
          .map_err(|e| format!("{}: {e}", path.display()))?;
        let value: Value = serde_json::from_str(&text)
          .map_err(|e| format!("{}: {e}", path.display()))?;
        flatten(&folder, &value, &mut entries);
      }
    }
    Ok(Self {
      dir: dir.to_path_buf(),
      entries,
    })
  }

  /// The expectation for a variant; unlisted variants are expected to pass.
  pub(super) fn get(&self, variant: &str) -> Expectation {
    self
      .entries
      .get(variant)
      .cloned()
      .unwrap_or(Expectation::Pass)
  }

  /// Records a new expectation (for `--update`); ignore and flaky entries
  /// are the maintainers' and stay.
  pub(super) fn set(&mut self, variant: &str, expectation: Expectation) {
    if matches!(
      self.entries.get(variant),
      Some(Expectation::Ignore | Expectation::Flaky)
    ) {
      return;
    }
    self.entries.insert(variant.to_string(), expectation);
  }

  /// Writes one file per top-level folder.
  pub(super) fn save(&self) -> Result<(), String> {
    std::fs::create_dir_all(&self.dir).map_err(|e| e.to_string())?;
    let mut files: BTreeMap<&str, Value> = BTreeMap::new();
    for (variant, expectation) in &self.entries {
      let mut parts: Vec<&str> = variant.split('/').collect();
      let folder = parts.remove(0);
      let mut node = files
        .entry(folder)
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
      let Some((leaf, dirs)) = parts.split_last() else {
        continue;
      };
      for dir in dirs {
        let Value::Object(map) = node else { break };
        node = map
          .entry(dir.to_string())
          .or_insert_with(|| Value::Object(serde_json::Map::new()));
      }
      if let Value::Object(map) = node {
        map.insert(leaf.to_string(), expectation.to_json());
      }
    }
    for (folder, value) in files {
      let path = self.dir.join(format!("{folder}.json"));
      let text =
        serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?;
      std::fs::write(&path, text + "\n")
        .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn expectations_round_trip_through_nested_files() {
    let dir =
      std::env::temp_dir().join(format!("rt-exp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut set = Expectations::load(&dir).unwrap();
    set.set("url/a.any.html", Expectation::Pass);
    set.set(
      "fetch/api/b/c.any.html?x=1",
      Expectation::ExpectedFailures(vec!["t".into()]),
    );
    set
      .entries
      .insert("fetch/api/d.any.html".into(), Expectation::Ignore);
    // Ignore entries are kept by --update.
    set.set("fetch/api/d.any.html", Expectation::Pass);
    set.save().unwrap();
    let again = Expectations::load(&dir).unwrap();
    assert_eq!(again.get("url/a.any.html"), Expectation::Pass);
    assert_eq!(
      again.get("fetch/api/b/c.any.html?x=1"),
      Expectation::ExpectedFailures(vec!["t".into()])
    );
    assert_eq!(again.get("fetch/api/d.any.html"), Expectation::Ignore);
    assert_eq!(again.get("unlisted.any.html"), Expectation::Pass);
    let _ = std::fs::remove_dir_all(&dir);
  }
}
