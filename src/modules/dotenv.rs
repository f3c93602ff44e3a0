//! `.env` files, loaded at start-up as Bun loads them: `.env`, then
//! `.env.$NODE_ENV` (`development` when unset), then `.env.local` (not when
//! `NODE_ENV=test`), each later file winning over the earlier ones and none
//! overriding a variable the environment already had. `--env-file` replaces
//! that list. Values may be quoted and may expand `$VAR` / `${VAR}` (from
//! the environment and the lines and files before them). The parser is
//! rt's own: `dotenvy` refuses what Bun and the `dotenv` package accept
//! (unquoted values with spaces, inline comments).

use std::collections::HashSet;
use std::ffi::OsString;
use std::path::Path;
use std::path::PathBuf;

/// A `.env` file that exists but cannot be read or parsed.
#[derive(Debug, thiserror::Error)]
#[error("could not load {path}: {reason}")]
pub struct DotenvError {
  path: String,
  reason: String,
}

/// The files Bun reads from `dir` when no `--env-file` is given.
pub fn default_files(dir: &Path) -> Vec<PathBuf> {
  let mode = std::env::var("NODE_ENV")
    .ok()
    .filter(|m| !m.is_empty())
    .unwrap_or_else(|| "development".into());
  let mut files = vec![dir.join(".env"), dir.join(format!(".env.{mode}"))];
  if mode != "test" {
    files.push(dir.join(".env.local"));
  }
  files
}

/// Parses a `.env` text into ordered pairs, expanding `$VAR`/`${VAR}`
/// through `lookup` (earlier lines of the text first).
pub fn parse(
  text: &str,
  lookup: impl Fn(&str) -> Option<String>,
) -> Vec<(String, String)> {
  let mut pairs: Vec<(String, String)> = Vec::new();
  let mut rest = text;
  while !rest.is_empty() {
    let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
    rest = after;
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
      continue;
    }
    let line = line.strip_prefix("export ").unwrap_or(line);
    let Some((key, value)) = line.split_once('=') else {
      continue;
    };
    let key = key.trim();
    if key.is_empty()
      || !key
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
      continue;
    }
    let value = value.trim_start();
    let quote = value
      .chars()
      .next()
      .filter(|c| matches!(c, '"' | '\'' | '`'));
    let (raw, expand) = match quote {
      Some(q) => {
        // A quoted value runs to its closing quote, across lines if need
        // be; the rest of the closing line is not read. (`value` is a
        // slice of `text`, so the search continues in place.)
        let start = value.as_ptr() as usize - text.as_ptr() as usize + 1;
        let inner = match text[start..].find(q) {
          Some(end) => {
            let after = &text[start + end + 1..];
            rest = after.split_once('\n').map_or("", |(_, t)| t);
            text[start..start + end].to_string()
          }
          // Unterminated: kept as written.
          None => value.to_string(),
        };
        let inner = if q == '"' {
          inner
            .replace("\\n", "\n")
            .replace("\\r", "\r")
            .replace("\\t", "\t")
        } else {
          inner
        };
        (inner, q != '\'')
      }
      None => {
        // An unquoted value ends at ` #` (a comment) and is trimmed.
        let value = match value.find(" #") {
          Some(i) => &value[..i],
          None => value,
        };
        (value.trim().to_string(), true)
      }
    };
    let value = if expand {
      expand_vars(&raw, |name| {
        pairs
          .iter()
          .rev()
          .find(|(k, _)| k == name)
          .map(|(_, v)| v.clone())
          .or_else(|| lookup(name))
      })
    } else {
      raw
    };
    pairs.push((key.to_string(), value));
  }
  pairs
}

/// `$VAR` and `${VAR}` replaced (unknown names by nothing); `\$` is a `$`.
fn expand_vars(value: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
  let mut out = String::with_capacity(value.len());
  let mut chars = value.char_indices().peekable();
  while let Some((i, c)) = chars.next() {
    match c {
      '\\' if value[i + 1..].starts_with('$') => {
        out.push('$');
        chars.next();
      }
      '$' => {
        let braced = value[i + 1..].starts_with('{');
        let start = i + 1 + usize::from(braced);
        let name: String = value[start..]
          .chars()
          .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
          .collect();
        if name.is_empty() {
          out.push('$');
          continue;
        }
        let mut end = start + name.len();
        if braced {
          if !value[end..].starts_with('}') {
            out.push('$');
            continue;
          }
          end += 1;
        }
        out.push_str(&lookup(&name).unwrap_or_default());
        while chars.peek().is_some_and(|(j, _)| *j < end) {
          chars.next();
        }
      }
      _ => out.push(c),
    }
  }
  out
}

/// Loads `files` into the process environment. Missing default files are
/// skipped; `required` files (from `--env-file`) must exist.
///
/// Must run before any other thread starts: it sets environment variables.
pub fn load(files: &[PathBuf], required: bool) -> Result<(), DotenvError> {
  let original: HashSet<OsString> =
    std::env::vars_os().map(|(k, _)| k).collect();
  for path in files {
    let text = match std::fs::read_to_string(path) {
      Ok(text) => text,
      Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
        continue;
      }
      Err(e) => {
        return Err(DotenvError {
          path: path.display().to_string(),
          reason: e.to_string(),
        });
      }
    };
    for (key, value) in parse(&text, |name| std::env::var(name).ok()) {
      if original.contains(std::ffi::OsStr::new(&key)) {
        continue;
      }
      // SAFETY: called from the main thread before the JS thread, tokio
      // or any other thread exists (see `cli`), so nothing reads the
      // environment concurrently.
      unsafe { std::env::set_var(&key, &value) };
    }
  }
  Ok(())
}

#[cfg(test)]
mod tests {
  use super::*;

  fn pairs(text: &str) -> Vec<(String, String)> {
    parse(text, |name| (name == "HOME").then(|| "/home/u".to_string()))
  }

  fn kv(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list
      .iter()
      .map(|(k, v)| (k.to_string(), v.to_string()))
      .collect()
  }

  #[test]
  fn values_quotes_and_comments() {
    assert_eq!(
      pairs(
        "# comment\nA=plain value  # note\nexport B=\"two\\nlines\"\nC='$HOME raw'\n\nD=\nE=a=b\n"
      ),
      kv(&[
        ("A", "plain value"),
        ("B", "two\nlines"),
        ("C", "$HOME raw"),
        ("D", ""),
        ("E", "a=b"),
      ])
    );
  }

  #[test]
  fn expansion_from_earlier_lines_and_the_environment() {
    assert_eq!(
      pairs("X=1\nY=${X}-$HOME-\\$X-$NOPE.\nZ=\"$Y\""),
      kv(&[("X", "1"), ("Y", "1-/home/u-$X-."), ("Z", "1-/home/u-$X-.")])
    );
  }

  #[test]
  fn multi_line_quoted_values() {
    assert_eq!(
      pairs("KEY=\"-----BEGIN\nline\n-----END\"\nNEXT=1"),
      kv(&[("KEY", "-----BEGIN\nline\n-----END"), ("NEXT", "1")])
    );
  }
}
