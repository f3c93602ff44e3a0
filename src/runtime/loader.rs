//! ES module loading from the file system.
//!
//! rt resolves specifiers the way a Bun user expects: relative and absolute
//! paths and `file:` URLs, with Bun's extension probing (`./util` finds
//! `./util.js`, `./util/index.js`, ...). JSON modules load only with
//! `with { type: "json" }`, as the HTML spec requires.

use std::path::Path;
use std::path::PathBuf;

use deno_core::ModuleLoadOptions;
use deno_core::ModuleLoadReferrer;
use deno_core::ModuleLoadResponse;
use deno_core::ModuleLoader;
use deno_core::ModuleResolveResponse;
use deno_core::ModuleSource;
use deno_core::ModuleSourceCode;
use deno_core::ModuleSpecifier;
use deno_core::ModuleType;
use deno_core::RequestedModuleType;
use deno_core::ResolutionKind;
use deno_core::url::Url;
use deno_error::JsErrorBox;

/// Errors raised while resolving or loading a module.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum LoaderError {
  /// A bare specifier (`import "lodash"`): rt has no package resolution.
  #[class(type)]
  #[error("Cannot find package '{specifier}' imported from '{referrer}'")]
  BarePackage { specifier: String, referrer: String },
  /// The resolved file does not exist.
  #[class(type)]
  #[error("Cannot find module '{specifier}' from '{referrer}'")]
  NotFound { specifier: String, referrer: String },
  /// A URL scheme the loader cannot fetch from.
  #[class(type)]
  #[error("Unsupported module URL scheme '{0}'")]
  UnsupportedScheme(String),
  /// Reading the module's source failed.
  #[class(generic)]
  #[error("Failed to read module '{path}': {source}")]
  Read {
    path: String,
    #[source]
    source: std::io::Error,
  },
  /// A JSON file imported without `with { type: "json" }`.
  #[class(type)]
  #[error(
    "Importing JSON module '{0}' requires the import attribute `with {{ type: \"json\" }}`"
  )]
  JsonWithoutAttribute(String),
  /// `with { type: "json" }` on something that is not a `.json` file.
  #[class(type)]
  #[error("Expected a JSON module, but '{0}' is not a .json file")]
  NotJson(String),
}

/// Extensions tried, in order, for a relative specifier without one.
const PROBE_EXTENSIONS: &[&str] = &["js", "mjs", "cjs", "json"];

/// Loads ES modules and JSON modules from disk.
#[derive(Default)]
pub struct FsLoader;

/// Shows a specifier as a path when it is a `file:` URL (what Bun prints).
pub fn display_specifier(specifier: &str) -> String {
  Url::parse(specifier)
    .ok()
    .filter(|u| u.scheme() == "file")
    .and_then(|u| u.to_file_path().ok())
    .map(|p| p.display().to_string())
    .unwrap_or_else(|| specifier.to_string())
}

fn is_relative_or_absolute(specifier: &str) -> bool {
  specifier.starts_with("./")
    || specifier.starts_with("../")
    || specifier.starts_with('/')
    || specifier == "."
    || specifier == ".."
}

/// Bun's probing for a path that does not exist as written.
fn probe(path: &Path) -> Option<PathBuf> {
  if path.is_file() {
    return Some(path.to_path_buf());
  }
  for ext in PROBE_EXTENSIONS {
    let mut candidate = path.as_os_str().to_owned();
    candidate.push(".");
    candidate.push(ext);
    let candidate = PathBuf::from(candidate);
    if candidate.is_file() {
      return Some(candidate);
    }
  }
  if path.is_dir() {
    for ext in PROBE_EXTENSIONS {
      let candidate = path.join(format!("index.{ext}"));
      if candidate.is_file() {
        return Some(candidate);
      }
    }
  }
  None
}

impl ModuleLoader for FsLoader {
  fn resolve(
    &self,
    specifier: &str,
    referrer: &str,
    _kind: ResolutionKind,
  ) -> ModuleResolveResponse {
    if !is_relative_or_absolute(specifier) && Url::parse(specifier).is_err() {
      return Err(JsErrorBox::from_err(LoaderError::BarePackage {
        specifier: specifier.to_string(),
        referrer: display_specifier(referrer),
      }));
    }
    let url = deno_core::resolve_import(specifier, referrer)
      .map_err(JsErrorBox::from_err)?;
    if url.scheme() != "file" {
      return Ok(url);
    }
    let Ok(path) = url.to_file_path() else {
      return Ok(url);
    };
    match probe(&path) {
      Some(found) if found != path => {
        Url::from_file_path(&found).map_err(|()| {
          JsErrorBox::from_err(LoaderError::NotFound {
            specifier: specifier.to_string(),
            referrer: display_specifier(referrer),
          })
        })
      }
      Some(_) => Ok(url),
      None => Err(JsErrorBox::from_err(LoaderError::NotFound {
        specifier: specifier.to_string(),
        referrer: display_specifier(referrer),
      })),
    }
  }

  fn load(
    &self,
    specifier: &ModuleSpecifier,
    _referrer: Option<&ModuleLoadReferrer>,
    options: ModuleLoadOptions,
  ) -> ModuleLoadResponse {
    ModuleLoadResponse::Sync(load_file(
      specifier,
      &options.requested_module_type,
    ))
  }
}

fn load_file(
  specifier: &ModuleSpecifier,
  requested: &RequestedModuleType,
) -> Result<ModuleSource, JsErrorBox> {
  if specifier.scheme() != "file" {
    return Err(JsErrorBox::from_err(LoaderError::UnsupportedScheme(
      specifier.scheme().to_string(),
    )));
  }
  let path = specifier.to_file_path().map_err(|()| {
    JsErrorBox::from_err(LoaderError::UnsupportedScheme(specifier.to_string()))
  })?;
  let is_json = path
    .extension()
    .is_some_and(|e| e.eq_ignore_ascii_case("json"));
  let shown = path.display().to_string();
  let module_type = match (is_json, requested) {
    // Bun and Deno: `import page from "./index.html" with { type: "text" }`.
    (_, RequestedModuleType::Text) => ModuleType::Text,
    (true, RequestedModuleType::Json) => ModuleType::Json,
    (true, _) => {
      return Err(JsErrorBox::from_err(LoaderError::JsonWithoutAttribute(
        shown,
      )));
    }
    (false, RequestedModuleType::Json) => {
      return Err(JsErrorBox::from_err(LoaderError::NotJson(shown)));
    }
    (false, _) => ModuleType::JavaScript,
  };
  let code = std::fs::read(&path).map_err(|source| {
    JsErrorBox::from_err(LoaderError::Read {
      path: shown,
      source,
    })
  })?;
  Ok(ModuleSource::new(
    module_type,
    ModuleSourceCode::Bytes(code.into_boxed_slice().into()),
    specifier,
    None,
  ))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn bare_specifiers_are_rejected_with_the_name() {
    let err = FsLoader
      .resolve("lodash", "file:///tmp/main.js", ResolutionKind::Import)
      .unwrap_err();
    assert!(err.to_string().contains("Cannot find package 'lodash'"));
    assert!(err.to_string().contains("/tmp/main.js"));
  }

  #[test]
  fn probing_finds_extension_and_index() {
    let dir =
      std::env::temp_dir().join(format!("rt-loader-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("pkg")).unwrap();
    std::fs::write(dir.join("util.js"), "").unwrap();
    std::fs::write(dir.join("pkg/index.mjs"), "").unwrap();
    assert_eq!(probe(&dir.join("util")), Some(dir.join("util.js")));
    assert_eq!(probe(&dir.join("pkg")), Some(dir.join("pkg/index.mjs")));
    assert_eq!(probe(&dir.join("none")), None);
    std::fs::remove_dir_all(&dir).unwrap();
  }

  #[test]
  fn file_urls_display_as_paths() {
    assert_eq!(display_specifier("file:///a/b.js"), "/a/b.js");
    assert_eq!(display_specifier("https://x/y.js"), "https://x/y.js");
  }
}
