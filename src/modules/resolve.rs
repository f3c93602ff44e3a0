//! Specifier resolution as Bun does it, on `oxc_resolver`: `node_modules`
//! up the tree, package.json `exports`/`imports` with Bun's conditions
//! (`bun`, `node`, then `import` or `require`), `main` before `module`,
//! directory indexes, `./x.js` finding `x.ts`, tsconfig `paths`.

use std::path::Path;
use std::path::PathBuf;

use oxc_resolver::EnforceExtension;
use oxc_resolver::ResolveError;
use oxc_resolver::ResolveOptions;
use oxc_resolver::Resolver;
use oxc_resolver::TsconfigDiscovery;

use rt_ext::ext::surface;

/// The name `rt test` gives its stand-in for Bun's test `harness`.
pub const HARNESS: &str = surface::HARNESS_NAME;

/// The module implementing a built-in by the name [`Resolved::Builtin`]
/// carries (`node:fs`, `bun:test`, [`HARNESS`]).
pub fn builtin_module(name: &str) -> Option<&'static str> {
  if name == HARNESS {
    return Some(surface::HARNESS.0);
  }
  surface::module_for(name)
}

/// Whether rt has the Node built-in `name` (bare: `fs/promises`).
fn has_node_builtin(name: &str) -> bool {
  surface::node_builtins().any(|n| n == name)
}

/// Where a specifier leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
  /// A file on disk.
  File(PathBuf),
  /// A module built into rt, by its name (`node:path`, `bun`, `bun:test`;
  /// see [`builtin_module`]).
  Builtin(String),
}

/// Why a specifier did not resolve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
  /// A bare specifier with no package in any `node_modules` above.
  Package(String),
  /// A path that does not exist.
  Module(String),
  /// A Node built-in rt does not have (its `node:` name).
  Builtin(String),
  /// Anything else the resolver reported (a bad `exports` map, ...).
  Other(String),
}

/// The resolvers for `import` and `require` (one cache between them).
pub struct Resolvers {
  import: Resolver,
  require: Resolver,
  /// Under `rt test`: `harness`, and a path to a file named `harness.ts`,
  /// resolve to rt's stand-in ([`HARNESS`]).
  pub test_harness: std::cell::Cell<bool>,
}

fn options(kind: &str) -> ResolveOptions {
  let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
  ResolveOptions {
    tsconfig: Some(TsconfigDiscovery::Auto),
    condition_names: strings(&["bun", "node", kind, "default"]),
    main_fields: strings(&["main", "module"]),
    extensions: strings(&[
      ".tsx", ".jsx", ".ts", ".mjs", ".js", ".mts", ".cts", ".cjs", ".json",
    ]),
    extension_alias: vec![
      (".js".into(), strings(&[".js", ".ts", ".tsx"])),
      (".jsx".into(), strings(&[".jsx", ".tsx"])),
      (".mjs".into(), strings(&[".mjs", ".mts"])),
    ],
    enforce_extension: EnforceExtension::Disabled,
    builtin_modules: true,
    module_type: false,
    ..ResolveOptions::default()
  }
}

impl Default for Resolvers {
  fn default() -> Self {
    let import = Resolver::new(options("import"));
    let require = import.clone_with_options(options("require"));
    Self {
      import,
      require,
      test_harness: std::cell::Cell::new(false),
    }
  }
}

/// The bare name of a built-in specifier (`node:fs/promises` -> `fs/promises`),
/// whether rt has it or not; `None` for anything else.
pub fn builtin_name(specifier: &str) -> Option<&str> {
  if let Some(name) = specifier.strip_prefix("node:") {
    return Some(name);
  }
  has_node_builtin(specifier).then_some(specifier)
}

impl Resolvers {
  /// Resolves `specifier` as imported (`require`: as required) from the
  /// file `referrer`.
  pub fn resolve(
    &self,
    specifier: &str,
    referrer: &Path,
    require: bool,
  ) -> Result<Resolved, Unresolved> {
    if surface::BUN_MODULES
      .iter()
      .any(|(name, ..)| *name == specifier)
    {
      return Ok(Resolved::Builtin(specifier.to_string()));
    }
    if let Some(name) = builtin_name(specifier) {
      return builtin(name);
    }
    if self.test_harness.get() && is_harness(specifier) {
      return Ok(Resolved::Builtin(HARNESS.to_string()));
    }
    let resolver = if require { &self.require } else { &self.import };
    match resolver.resolve_file(referrer, specifier) {
      Ok(resolution) => Ok(Resolved::File(resolution.into_path_buf())),
      Err(ResolveError::Builtin { resolved, .. }) => {
        builtin(resolved.strip_prefix("node:").unwrap_or(&resolved))
      }
      Err(ResolveError::NotFound(_)) if is_bare(specifier) => {
        Err(Unresolved::Package(specifier.to_string()))
      }
      Err(
        ResolveError::NotFound(_)
        | ResolveError::MatchedAliasNotFound(..)
        | ResolveError::ExtensionAlias(..),
      ) => Err(Unresolved::Module(specifier.to_string())),
      Err(other) => Err(Unresolved::Other(other.to_string())),
    }
  }
}

/// `harness`, or a relative path whose last segment is `harness` or
/// `harness.ts` (Bun's tests import `../../harness` too).
fn is_harness(specifier: &str) -> bool {
  if specifier == "harness" {
    return true;
  }
  (specifier.starts_with("./") || specifier.starts_with("../"))
    && matches!(
      specifier.rsplit('/').next(),
      Some("harness" | "harness.ts" | "harness.js")
    )
}

fn builtin(name: &str) -> Result<Resolved, Unresolved> {
  if has_node_builtin(name) {
    Ok(Resolved::Builtin(format!("node:{name}")))
  } else {
    Err(Unresolved::Builtin(format!("node:{name}")))
  }
}

/// A package name rather than a path (`hono`, `@scope/x`, `#internal`).
fn is_bare(specifier: &str) -> bool {
  !(specifier.starts_with('.')
    || specifier.starts_with('/')
    || specifier.starts_with("file:"))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn builtins_by_both_names() {
    assert_eq!(builtin_name("node:path"), Some("path"));
    assert_eq!(builtin_name("path"), Some("path"));
    assert_eq!(builtin_name("node:http2"), Some("http2"));
    assert_eq!(builtin_name("hono"), None);
    let r = Resolvers::default();
    let here = Path::new("/tmp/x.js");
    assert_eq!(
      r.resolve("node:fs/promises", here, false),
      Ok(Resolved::Builtin("node:fs/promises".into()))
    );
    assert_eq!(
      r.resolve("bun", here, false),
      Ok(Resolved::Builtin("bun".into()))
    );
    assert_eq!(
      r.resolve("bun:test", here, false),
      Ok(Resolved::Builtin("bun:test".into()))
    );
    assert_eq!(
      r.resolve("node:http2", here, false),
      Err(Unresolved::Builtin("node:http2".into()))
    );
  }

  #[test]
  fn harness_only_under_rt_test() {
    let r = Resolvers::default();
    let here = Path::new("/tmp/x.test.ts");
    assert!(r.resolve("../../harness", here, false).is_err());
    r.test_harness.set(true);
    for specifier in ["harness", "../../../harness", "./harness.ts"] {
      assert_eq!(
        r.resolve(specifier, here, false),
        Ok(Resolved::Builtin(HARNESS.into())),
        "{specifier}"
      );
    }
    assert!(r.resolve("./harnessx", here, false).is_err());
  }

  #[test]
  fn ts_files_found_for_js_specifiers_and_packages() {
    let dir =
      std::env::temp_dir().join(format!("rt-resolve-{}", std::process::id()));
    let pkg = dir.join("node_modules/pkg");
    std::fs::create_dir_all(pkg.join("dist")).unwrap();
    std::fs::write(dir.join("util.ts"), "").unwrap();
    std::fs::write(
      pkg.join("package.json"),
      r#"{"name":"pkg","exports":{".":{"require":"./dist/c.cjs","import":"./dist/e.mjs"}}}"#,
    )
    .unwrap();
    std::fs::write(pkg.join("dist/c.cjs"), "").unwrap();
    std::fs::write(pkg.join("dist/e.mjs"), "").unwrap();
    let r = Resolvers::default();
    let main = dir.join("main.ts");
    assert_eq!(
      r.resolve("./util.js", &main, false),
      Ok(Resolved::File(dir.join("util.ts")))
    );
    assert_eq!(
      r.resolve("pkg", &main, false),
      Ok(Resolved::File(pkg.join("dist/e.mjs")))
    );
    assert_eq!(
      r.resolve("pkg", &main, true),
      Ok(Resolved::File(pkg.join("dist/c.cjs")))
    );
    assert_eq!(
      r.resolve("missing-pkg", &main, false),
      Err(Unresolved::Package("missing-pkg".into()))
    );
    assert_eq!(
      r.resolve("./nope", &main, false),
      Err(Unresolved::Module("./nope".into()))
    );
    std::fs::remove_dir_all(&dir).unwrap();
  }
}
