//! `rt test --reporter=junit`: the JUnit XML CI systems read, one
//! `<testsuite>` per file.

use super::FileResults;

fn escape(text: &str) -> String {
  let mut out = String::with_capacity(text.len());
  for c in text.chars() {
    match c {
      '&' => out.push_str("&amp;"),
      '<' => out.push_str("&lt;"),
      '>' => out.push_str("&gt;"),
      '"' => out.push_str("&quot;"),
      '\'' => out.push_str("&apos;"),
      // XML 1.0 cannot carry other control characters.
      c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
      c => out.push(c),
    }
  }
  out
}

/// `12 |   code`: a line of the source shown above a failure.
fn is_code_frame(line: &str) -> bool {
  line.split_once(" |").is_some_and(|(n, _)| {
    !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())
  })
}

/// The report for these files.
pub(super) fn render(files: &[FileResults]) -> String {
  let count = |f: &FileResults, s: &str| {
    f.results.iter().filter(|r| r.status == s).count()
  };
  let tests: usize = files.iter().map(|f| f.results.len()).sum();
  let failures: usize = files.iter().map(|f| count(f, "fail")).sum();
  let skipped: usize = files
    .iter()
    .map(|f| count(f, "skip") + count(f, "todo"))
    .sum();
  let time: f64 = files.iter().map(|f| f.ms).sum::<f64>() / 1000.0;
  let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  out.push_str(&format!(
    "<testsuites name=\"rt test\" tests=\"{tests}\" failures=\"{failures}\" skipped=\"{skipped}\" time=\"{time:.3}\">\n"
  ));
  for file in files {
    out.push_str(&format!(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\">\n",
      escape(&file.shown),
      file.results.len(),
      count(file, "fail"),
      count(file, "skip") + count(file, "todo"),
      file.ms / 1000.0
    ));
    for r in &file.results {
      let (classname, name) = match r.path.split_last() {
        Some((name, outer)) if !outer.is_empty() => {
          (outer.join(" > "), name.clone())
        }
        Some((name, _)) => (file.shown.clone(), name.clone()),
        None => (file.shown.clone(), String::new()),
      };
      out.push_str(&format!(
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
        escape(&name),
        escape(&classname),
        r.ms / 1000.0
      ));
      match r.status.as_str() {
        "fail" => {
          let message = r.message.as_deref().unwrap_or("failed");
          // The error line, not the source lines and caret above it.
          let first = message
            .lines()
            .find(|l| {
              let t = l.trim();
              !t.is_empty() && t != "^" && !is_code_frame(t)
            })
            .unwrap_or("failed");
          out.push_str(&format!(
            ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
            escape(first),
            escape(message)
          ));
        }
        "skip" => out.push_str(">\n      <skipped />\n    </testcase>\n"),
        "todo" => out
          .push_str(">\n      <skipped message=\"TODO\" />\n    </testcase>\n"),
        _ => out.push_str(" />\n"),
      }
    }
    out.push_str("  </testsuite>\n");
  }
  out.push_str("</testsuites>\n");
  out
}
