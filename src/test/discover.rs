//! Which files `rt test` runs: Bun's naming rules (`*.test.*`, `*_test.*`,
//! `*.spec.*`, `*_spec.*` with a JS or TS extension) under the given
//! directories, skipping `node_modules` and hidden directories. An argument
//! that is neither a file nor a directory filters the paths found under
//! the working directory (a substring match, as Bun does).

use std::path::Path;
use std::path::PathBuf;

const EXTENSIONS: &[&str] =
  &["ts", "tsx", "js", "jsx", "mjs", "cjs", "mts", "cts"];

/// A test file by its name.
pub(super) fn is_test_file(path: &Path) -> bool {
  let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
    return false;
  };
  let Some((stem, ext)) = name.rsplit_once('.') else {
    return false;
  };
  EXTENSIONS.contains(&ext)
    && [".test", "_test", ".spec", "_spec"]
      .iter()
      .any(|suffix| stem.ends_with(suffix))
}

/// The files to run, sorted, without repeats.
pub(super) fn find(
  cwd: &Path,
  args: &[String],
) -> Result<Vec<PathBuf>, String> {
  let mut files = Vec::new();
  let mut filters = Vec::new();
  for arg in args {
    let path = cwd.join(arg);
    if path.is_file() {
      files.push(path);
    } else if path.is_dir() {
      let mut found = Vec::new();
      walk(&path, &mut found)?;
      files.extend(found);
    } else {
      filters.push(arg.trim_start_matches("./").to_string());
    }
  }
  if args.is_empty() || !filters.is_empty() {
    let mut found = Vec::new();
    walk(cwd, &mut found)?;
    if filters.is_empty() {
      files.extend(found);
    } else {
      files.extend(found.into_iter().filter(|p| {
        let shown = shown(cwd, p);
        filters.iter().any(|f| shown.contains(f.as_str()))
      }));
    }
  }
  // Files named on the command line keep their order; what a directory
  // holds is sorted. Each file runs once.
  let mut seen = std::collections::HashSet::new();
  files.retain(|f| seen.insert(f.clone()));
  Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
  let entries = std::fs::read_dir(dir)
    .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
  let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
  entries.sort_by_key(|e| e.file_name());
  for entry in entries {
    let path = entry.path();
    let name = entry.file_name();
    let name = name.to_string_lossy();
    let Ok(kind) = entry.file_type() else {
      continue;
    };
    if kind.is_dir() {
      if name == "node_modules" || name.starts_with('.') {
        continue;
      }
      walk(&path, out)?;
    } else if is_test_file(&path) {
      out.push(path);
    }
  }
  Ok(())
}

/// A path as printed: relative to the working directory when below it.
pub(super) fn shown(cwd: &Path, path: &Path) -> String {
  path.strip_prefix(cwd).unwrap_or(path).display().to_string()
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn bun_naming_rules() {
    for yes in [
      "a.test.ts",
      "b_test.js",
      "c.spec.tsx",
      "d_spec.mjs",
      "e.test.cjs",
    ] {
      assert!(is_test_file(Path::new(yes)), "{yes}");
    }
    for no in ["a.ts", "test.ts", "a.test.json", "atest.ts", "a.tests.ts"] {
      assert!(!is_test_file(Path::new(no)), "{no}");
    }
  }
}
