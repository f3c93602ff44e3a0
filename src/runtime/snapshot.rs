//! The startup snapshot made by `build.rs`, and the lazy scripts it lacks.

/// The engine heap after all extension JS ran (see `build.rs`).
pub static SNAPSHOT: &[u8] =
  include_bytes!(concat!(env!("OUT_DIR"), "/RT_SNAPSHOT.bin"));

/// `(specifier, source)` of every lazy script not evaluated into the
/// snapshot, sorted by specifier, for `core.loadExtScript` to load on demand.
pub static RESIDUAL_LAZY_JS: &[(&str, &str)] =
  include!(concat!(env!("OUT_DIR"), "/residual_lazy.rs"));

/// The same for rt's modules not evaluated into the snapshot (`node:fs`,
/// `bun:test`, ...), loaded when first imported.
pub static RESIDUAL_LAZY_ESM: &[(&str, &str)] =
  include!(concat!(env!("OUT_DIR"), "/residual_lazy_esm.rs"));

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn rare_scripts_are_embedded_and_common_ones_are_not() {
    let names: Vec<&str> = RESIDUAL_LAZY_JS.iter().map(|r| r.0).collect();
    assert!(
      names.contains(&"ext:deno_web/10_filereader.js"),
      "{names:?}"
    );
    assert!(!names.contains(&"ext:deno_web/06_streams.js"), "{names:?}");
    assert!(names.windows(2).all(|w| w[0] < w[1]), "sorted: {names:?}");
    assert!(RESIDUAL_LAZY_JS.iter().all(|r| !r.1.is_empty()));
  }
}
