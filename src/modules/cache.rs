//! The transpile cache: TypeScript/JSX output on disk, keyed by the file's
//! content, its path, the options and rt's version, so a second start of a
//! large TypeScript app does not parse it again.
//!
//! The directory is `$RT_TRANSPILER_CACHE_PATH`, else `$XDG_CACHE_HOME/rt`,
//! else `~/.cache/rt`; `RT_TRANSPILER_CACHE_PATH=0` (or empty) turns it off.
//! Entries are written to a temporary name and renamed, so concurrent rt
//! processes never read half a file.

use std::path::PathBuf;

use sha2::Digest;
use sha2::Sha256;

use super::transpile::Transpiled;

/// What a cache entry depends on besides the source: rt's version and the
/// transpiler's, so an upgrade never serves stale output.
const VERSION_TAG: &str =
  concat!("rt ", env!("CARGO_PKG_VERSION"), "; swc_ts_fast_strip 60");

/// A directory of transpiled files.
pub struct Cache {
  dir: PathBuf,
}

impl Cache {
  /// The cache the environment asks for (`None`: disabled or no home).
  pub fn from_env() -> Option<Self> {
    let dir = match std::env::var_os("RT_TRANSPILER_CACHE_PATH") {
      Some(v) if v.is_empty() || v == "0" => return None,
      Some(v) => PathBuf::from(v),
      None => std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
          std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache"))
        })?
        .join("rt"),
    };
    Some(Self { dir })
  }

  /// The key for one transpile: every input that changes the output.
  pub fn key(parts: &[&[u8]]) -> String {
    let mut hash = Sha256::new();
    hash.update(VERSION_TAG.as_bytes());
    for part in parts {
      hash.update((part.len() as u64).to_le_bytes());
      hash.update(part);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
  }

  fn path(&self, key: &str, suffix: &str) -> PathBuf {
    self
      .dir
      .join(&key[..2])
      .join(format!("{}{suffix}", &key[2..]))
  }

  /// The stored output for `key`, if any.
  pub fn get(&self, key: &str) -> Option<Transpiled> {
    let code = std::fs::read_to_string(self.path(key, ".js")).ok()?;
    let source_map = std::fs::read_to_string(self.path(key, ".map")).ok();
    Some(Transpiled { code, source_map })
  }

  /// Stores `out` under `key`. A cache that cannot be written is skipped:
  /// it only costs the next start its parse.
  pub fn put(&self, key: &str, out: &Transpiled) {
    let _ = self.try_put(key, out);
  }

  fn try_put(&self, key: &str, out: &Transpiled) -> std::io::Result<()> {
    let final_js = self.path(key, ".js");
    if let Some(parent) = final_js.parent() {
      std::fs::create_dir_all(parent)?;
    }
    let tmp_suffix = format!(".{}.tmp", std::process::id());
    // The map first: an entry is only read once its code exists.
    if let Some(map) = &out.source_map {
      let tmp = self.path(key, &format!(".map{tmp_suffix}"));
      std::fs::write(&tmp, map)?;
      std::fs::rename(&tmp, self.path(key, ".map"))?;
    }
    let tmp = self.path(key, &format!(".js{tmp_suffix}"));
    std::fs::write(&tmp, &out.code)?;
    std::fs::rename(&tmp, final_js)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn round_trip_and_keys() {
    let dir =
      std::env::temp_dir().join(format!("rt-cache-{}", std::process::id()));
    let cache = Cache { dir: dir.clone() };
    let a = Cache::key(&[b"a.ts", b"const x = 1"]);
    let b = Cache::key(&[b"a.ts", b"const x = 2"]);
    assert_ne!(a, b);
    // Parts are length-prefixed: moving a byte between parts changes the key.
    assert_ne!(Cache::key(&[b"ab", b"c"]), Cache::key(&[b"a", b"bc"]));
    assert!(cache.get(&a).is_none());
    let out = Transpiled {
      code: "const x = 1".into(),
      source_map: Some("{}".into()),
    };
    cache.put(&a, &out);
    let back = cache.get(&a).unwrap();
    assert_eq!(back.code, out.code);
    assert_eq!(back.source_map, out.source_map);
    std::fs::remove_dir_all(&dir).unwrap();
  }
}
