//! Ops behind `Bun`'s small utilities in `util.js`: the one-shot
//! compression helpers (`gzipSync`, `deflateSync`, `zstdCompress`, ...),
//! `Bun.which` and `Bun.sleepSync`.

use std::io::Read;
use std::io::Write;

use deno_core::op2;
use flate2::Compression;

use crate::errors::Code;
use crate::errors::CodedError;

/// Errors from the helpers, with Bun's codes where it has them.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum BunError {
  /// Input that does not decompress (`{format} decompression failed:
  /// {reason}`).
  #[class(inherit)]
  #[error(transparent)]
  Decompress(CodedError),
  /// Compression failed (only an out-of-range zstd level can).
  #[class(generic)]
  #[error("{0}")]
  Compress(String),
  /// A compression format JS did not check.
  #[class(type)]
  #[error("unknown compression format {0}")]
  Format(u32),
}

/// The formats `op_bun_zlib` takes; the discriminant is what JS passes.
#[derive(Clone, Copy)]
enum Format {
  Gzip = 0,
  Gunzip,
  Deflate,
  Inflate,
  Zstd,
  Unzstd,
}

impl Format {
  fn from_index(index: u32) -> Result<Self, BunError> {
    use Format::*;
    [Gzip, Gunzip, Deflate, Inflate, Zstd, Unzstd]
      .get(index as usize)
      .copied()
      .ok_or(BunError::Format(index))
  }
}

fn run(format: Format, data: &[u8], level: i32) -> Result<Vec<u8>, BunError> {
  // zlib's levels are 0..=9 and -1 for its default (6).
  let zlib_level = if (0..=9).contains(&level) {
    Compression::new(level as u32)
  } else {
    Compression::default()
  };
  let failed = |format: &'static str| {
    move |e: std::io::Error| {
      BunError::Decompress(CodedError::new(
        Code::Decompress,
        format!("{format} decompression failed: {e}"),
      ))
    }
  };
  let mut out = Vec::new();
  match format {
    Format::Gzip => {
      let mut e = flate2::write::GzEncoder::new(out, zlib_level);
      // Writes into a Vec cannot fail.
      let _ = e.write_all(data);
      out = e.finish().unwrap_or_default();
    }
    Format::Deflate => {
      let mut e = flate2::write::DeflateEncoder::new(out, zlib_level);
      let _ = e.write_all(data);
      out = e.finish().unwrap_or_default();
    }
    Format::Gunzip => {
      // Concatenated members decode as one stream, as zlib's gunzip does.
      flate2::read::MultiGzDecoder::new(data)
        .read_to_end(&mut out)
        .map_err(failed("gzip"))?;
    }
    Format::Inflate => {
      flate2::read::DeflateDecoder::new(data)
        .read_to_end(&mut out)
        .map_err(failed("deflate"))?;
    }
    Format::Zstd => {
      // Bun's default zstd level is 3, zstd's own.
      let level = if level < 0 { 3 } else { level };
      out = zstd::bulk::compress(data, level)
        .map_err(|e| BunError::Compress(e.to_string()))?;
    }
    Format::Unzstd => {
      out = zstd::stream::decode_all(data).map_err(failed("zstd"))?;
    }
  }
  Ok(out)
}

/// `Bun.gzipSync` and friends; `level` -1 for the format's default.
#[op2]
#[buffer]
pub(crate) fn op_bun_zlib(
  format: u32,
  #[anybuffer] data: &[u8],
  level: i32,
) -> Result<Vec<u8>, BunError> {
  run(Format::from_index(format)?, data, level)
}

/// `Bun.zstdCompress` / `zstdDecompress`: the same work on the blocking pool.
#[op2]
#[buffer]
pub(crate) async fn op_bun_zlib_async(
  format: u32,
  #[buffer(copy)] data: Vec<u8>,
  level: i32,
) -> Result<Vec<u8>, BunError> {
  let format = Format::from_index(format)?;
  crate::ext::off_thread(move || run(format, &data, level), BunError::Compress)
    .await
}

/// `Bun.which(command, { PATH, cwd })`: the executable's path, or `None`.
/// `path` and `cwd` are "" when not given (the process's are used).
#[op2]
#[string]
pub(crate) fn op_bun_which(
  #[string] command: &str,
  #[string] path: &str,
  #[string] cwd: &str,
) -> Option<String> {
  if command.is_empty() {
    return None;
  }
  let paths = if path.is_empty() {
    std::env::var_os("PATH")?
  } else {
    path.into()
  };
  let cwd = if cwd.is_empty() {
    std::env::current_dir().ok()?
  } else {
    cwd.into()
  };
  which::which_in(command, Some(paths), cwd)
    .ok()
    .map(|p| p.to_string_lossy().into_owned())
}

/// `Bun.sleepSync(ms)`: blocks the thread (and so the event loop).
#[op2(fast)]
pub(crate) fn op_bun_sleep_sync(ms: f64) {
  if ms.is_finite() && ms > 0.0 {
    std::thread::sleep(std::time::Duration::from_secs_f64(ms / 1000.0));
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn round_trips_and_raw_deflate() {
    let text = b"hello hello hello";
    let gz = run(Format::Gzip, text, -1).unwrap();
    assert_eq!(&gz[..2], &[31, 139]);
    assert_eq!(run(Format::Gunzip, &gz, -1).unwrap(), text);
    // Bun's deflateSync is raw deflate: these are the bytes Bun gives.
    assert_eq!(
      run(Format::Deflate, b"hello", -1).unwrap(),
      [203, 72, 205, 201, 201, 7, 0]
    );
    let z = run(Format::Zstd, text, -1).unwrap();
    assert_eq!(run(Format::Unzstd, &z, -1).unwrap(), text);
    assert!(matches!(
      run(Format::Gunzip, b"not gzip", -1),
      Err(BunError::Decompress(_))
    ));
  }
}
