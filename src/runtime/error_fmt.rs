//! Printing uncaught JS errors the way Bun does: the offending source line
//! with a caret, then `error: message` (or `TypeError: message`), then the
//! stack with file paths rather than `file:` URLs.

use std::fmt::Write as _;

use deno_core::error::CoreError;
use deno_core::error::CoreErrorKind;
use deno_core::error::JsError;
use deno_core::error::JsStackFrame;

use crate::modules::display_specifier;

/// Renders any error that ends a script: JS exceptions get Bun's layout,
/// everything else (module not found, I/O) a one-line `error: ...`.
pub fn format_core_error(err: &CoreError) -> String {
  match &*err.0 {
    CoreErrorKind::Js(js) => format_js_error(js),
    other => format!("error: {}\n", strip_uncaught(&other.to_string())),
  }
}

/// Renders a JS exception with its source excerpt and stack.
pub fn format_js_error(err: &JsError) -> String {
  let mut out = String::new();
  write_js_error(&mut out, err, 0);
  out
}

fn write_js_error(out: &mut String, err: &JsError, depth: usize) {
  if depth == 0 {
    write_source_excerpt(out, err);
  }
  let _ = writeln!(out, "{}", headline(err));
  for (key, value) in &err.additional_properties {
    let _ = writeln!(out, " {key}: {value}");
  }
  if err.stack_is_custom || (err.frames.is_empty() && err.stack.is_some()) {
    // A stack the engine did not structure: print its frame lines as given.
    if let Some(stack) = &err.stack {
      for line in stack.lines().filter(|l| l.trim_start().starts_with("at ")) {
        let _ = writeln!(out, "      {}", line.trim_start());
      }
    }
  } else {
    for frame in &err.frames {
      let _ = writeln!(out, "      at {}", format_frame(frame));
    }
  }
  if let Some(aggregated) = &err.aggregated {
    for inner in aggregated {
      write_js_error(out, inner, depth + 1);
    }
  }
  if let Some(cause) = &err.cause
    && depth < 8
  {
    let _ = writeln!(out, "\nCaused by:");
    write_js_error(out, cause, depth + 1);
  }
}

/// `error: boom` for a plain `Error`, `TypeError: boom` for other classes,
/// `error: 42` for a thrown non-error value.
fn headline(err: &JsError) -> String {
  match (&err.name, &err.message) {
    (Some(name), Some(message)) if name == "Error" || name.is_empty() => {
      format!("error: {message}")
    }
    (Some(name), Some(message)) if message.is_empty() => name.clone(),
    (Some(name), Some(message)) => format!("{name}: {message}"),
    _ => format!("error: {}", strip_uncaught(&err.exception_message)),
  }
}

fn strip_uncaught(message: &str) -> String {
  let m = message.strip_prefix("Uncaught ").unwrap_or(message);
  let m = m.strip_prefix("(in promise) ").unwrap_or(m);
  m.to_string()
}

/// `fn (/path/file.js:3:7)` or `/path/file.js:3:7` for anonymous code.
fn format_frame(frame: &JsStackFrame) -> String {
  let location = match &frame.file_name {
    Some(file) => {
      let mut s = display_specifier(file);
      if let Some(line) = frame.line_number {
        let _ = write!(s, ":{line}");
        if let Some(col) = frame.column_number {
          let _ = write!(s, ":{col}");
        }
      }
      s
    }
    None if frame.is_native => "native".to_string(),
    None => "<anonymous>".to_string(),
  };
  let name = match (&frame.type_name, &frame.function_name, &frame.method_name)
  {
    (_, Some(f), _) if frame.is_constructor => format!("new {f}"),
    (Some(t), Some(f), _) if !f.contains('.') && t != "Object" => {
      format!("{t}.{f}")
    }
    (_, Some(f), _) => f.clone(),
    (Some(t), None, Some(m)) => format!("{t}.{m}"),
    _ => String::new(),
  };
  let prefix = if frame.is_async { "async " } else { "" };
  if name.is_empty() {
    format!("{prefix}{location}")
  } else {
    format!("{prefix}{name} ({location})")
  }
}

/// The first frame with a readable source line, shown as `N | code` with a
/// caret under the column, as Bun prints it.
fn write_source_excerpt(out: &mut String, err: &JsError) {
  let Some((line_no, col, text)) = err.frames.iter().find_map(|f| {
    let path = display_specifier(f.file_name.as_deref()?);
    let line_no = usize::try_from(f.line_number?).ok()?;
    let col = usize::try_from(f.column_number.unwrap_or(1)).ok()?;
    let source = std::fs::read_to_string(path).ok()?;
    let text = source.lines().nth(line_no.checked_sub(1)?)?.to_string();
    Some((line_no, col, text))
  }) else {
    return;
  };
  if text.len() > 400 {
    // Minified code: an excerpt would only be noise.
    return;
  }
  let gutter = format!("{line_no} | ");
  let _ = writeln!(out, "{gutter}{text}");
  let caret_at = gutter.len() + col.saturating_sub(1);
  let _ = writeln!(out, "{}^", " ".repeat(caret_at));
}

#[cfg(test)]
mod tests {
  use super::*;

  fn frame(
    file: &str,
    func: Option<&str>,
    line: i64,
    col: i64,
  ) -> JsStackFrame {
    JsStackFrame {
      type_name: None,
      function_name: func.map(str::to_string),
      method_name: None,
      file_name: Some(file.to_string()),
      line_number: Some(line),
      column_number: Some(col),
      eval_origin: None,
      is_top_level: Some(true),
      is_eval: false,
      is_native: false,
      is_constructor: false,
      is_async: false,
      is_promise_all: false,
      is_wasm: false,
      promise_index: None,
    }
  }

  fn error(name: &str, message: &str, frames: Vec<JsStackFrame>) -> JsError {
    JsError {
      name: Some(name.into()),
      message: Some(message.into()),
      stack: None,
      cause: None,
      exception_message: format!("Uncaught {name}: {message}"),
      frames,
      source_line: None,
      source_line_frame_index: None,
      aggregated: None,
      additional_properties: vec![],
      stack_is_custom: false,
    }
  }

  #[test]
  fn plain_errors_print_lowercase_error_and_paths() {
    let e = error(
      "Error",
      "boom",
      vec![frame("file:///nope/a.js", Some("f"), 3, 9)],
    );
    let s = format_js_error(&e);
    assert_eq!(s, "error: boom\n      at f (/nope/a.js:3:9)\n");
  }

  #[test]
  fn other_classes_keep_their_name() {
    let e = error(
      "TypeError",
      "bad",
      vec![frame("file:///nope/a.js", None, 1, 1)],
    );
    assert_eq!(
      format_js_error(&e),
      "TypeError: bad\n      at /nope/a.js:1:1\n"
    );
  }

  #[test]
  fn thrown_values_strip_uncaught() {
    let mut e = error("x", "y", vec![]);
    e.name = None;
    e.message = None;
    e.exception_message = "Uncaught (in promise) 42".into();
    assert_eq!(format_js_error(&e), "error: 42\n");
  }

  #[test]
  fn excerpt_points_at_the_column() {
    let dir =
      std::env::temp_dir().join(format!("rt-errfmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("t.js");
    std::fs::write(&file, "let a = 1;\nthrow new Error('x');\n").unwrap();
    let url = deno_core::url::Url::from_file_path(&file).unwrap();
    let e = error("Error", "x", vec![frame(url.as_str(), None, 2, 7)]);
    let s = format_js_error(&e);
    assert!(
      s.starts_with("2 | throw new Error('x');\n          ^\nerror: x\n"),
      "{s}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
  }
}
