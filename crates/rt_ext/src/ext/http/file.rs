//! Ops behind `Bun.file()` and `Bun.write()` in `27_file.js`. Reads and
//! stats go through the `node:fs` ops in [`crate::ext::node`]; writes here create
//! missing parent directories, as Bun's do, and report bytes written.

use deno_core::op2;

use crate::errors::Code;

use crate::ext::node::fs::NodeError;
use crate::ext::node::fs::blocking;
use crate::ext::node::fs::write_file;

/// Writes `data` to `path` (replacing it), creating missing parent
/// directories; resolves to the byte count. Runs on the blocking pool.
#[op2]
#[number]
pub(crate) async fn op_bun_write(
  #[string] path: String,
  #[buffer(copy)] data: Vec<u8>,
) -> Result<usize, NodeError> {
  blocking(move || write_creating_dirs(&path, &data, false)).await
}

/// `FileSink.flush()`: appends `data` to `path` now (Bun's file sinks write
/// synchronously), creating parent directories; returns the byte count.
#[op2(fast)]
#[number]
pub(crate) fn op_bun_write_sync(
  #[string] path: &str,
  #[buffer] data: &[u8],
  append: bool,
) -> Result<usize, NodeError> {
  write_creating_dirs(path, data, append)
}

/// `BunFile.delete()`: unlinks the file (Node's `unlink` errors).
#[op2]
pub(crate) async fn op_bun_file_delete(
  #[string] path: String,
) -> Result<(), NodeError> {
  blocking(move || {
    std::fs::remove_file(&path).map_err(|e| NodeError::fs(e, "unlink", &path))
  })
  .await
}

fn write_creating_dirs(
  path: &str,
  data: &[u8],
  append: bool,
) -> Result<usize, NodeError> {
  match write_file(path, data, append) {
    Err(NodeError::Fs {
      code: Code::Enoent, ..
    }) => {
      // Only a missing parent is created; any other failure stands.
      if let Some(parent) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(parent)
          .map_err(|e| NodeError::fs(e, "mkdir", path))?;
      }
      write_file(path, data, append)?;
    }
    other => other?,
  }
  Ok(data.len())
}

/// The MIME type `Bun.file(path).type` reports: guessed from the extension
/// as Bun does, with `;charset=utf-8` on text types, and TypeScript and JSX
/// sources as JavaScript (Bun serves them transpiled).
#[op2]
#[string]
pub(crate) fn op_bun_file_type(#[string] path: &str) -> String {
  mime_type(path)
}

fn mime_type(path: &str) -> String {
  let ext = std::path::Path::new(path)
    .extension()
    .and_then(|e| e.to_str())
    .unwrap_or("")
    .to_ascii_lowercase();
  let guessed = match ext.as_str() {
    "" => return "application/octet-stream".to_string(),
    "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => {
      "text/javascript".to_string()
    }
    _ => match mime_guess::from_ext(&ext).first() {
      Some(mime) => mime.essence_str().to_string(),
      None => return "application/octet-stream".to_string(),
    },
  };
  // Text a browser decodes: say it is UTF-8, as Bun does.
  let text = guessed.starts_with("text/")
    || guessed == "application/json"
    || guessed == "application/javascript"
    || guessed.ends_with("+json");
  if text {
    format!("{guessed};charset=utf-8")
  } else {
    guessed
  }
}

#[cfg(test)]
mod tests {
  use super::mime_type;

  #[test]
  fn types_follow_bun() {
    for (path, want) in [
      ("a.html", "text/html;charset=utf-8"),
      ("a.txt", "text/plain;charset=utf-8"),
      ("dir.d/a.JS", "text/javascript;charset=utf-8"),
      ("a.ts", "text/javascript;charset=utf-8"),
      ("a.json", "application/json;charset=utf-8"),
      ("a.css", "text/css;charset=utf-8"),
      ("a.png", "image/png"),
      ("a.svg", "image/svg+xml"),
      ("a.wasm", "application/wasm"),
      ("Makefile", "application/octet-stream"),
      ("a.unknown-ext", "application/octet-stream"),
    ] {
      assert_eq!(mime_type(path), want, "{path}");
    }
  }
}
