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

/// The report for these files.
pub fn render(files: &[FileResults]) -> String {
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
          let first = message
            .lines()
            .find(|l| !l.trim().is_empty())
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
