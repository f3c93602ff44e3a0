//! rt's module system: resolution (`resolve`), TypeScript/JSX
//! (`transpile`, with a disk `cache`), CommonJS interop (`cjs`) and `.env`
//! files (`dotenv`).
//!
//! [`ModuleHost`] is both the deno_core module loader and the
//! [`RequireHost`] behind `require()`, so `import` and `require` resolve,
//! transpile and decide formats the same way.

pub mod cache;
pub mod cjs;
pub mod dotenv;
pub mod resolve;
pub mod transpile;

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::collections::HashMap;
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
use rt_ext::ext::node::require::RequireFormat;
use rt_ext::ext::node::require::RequireHost;

use self::cjs::Format;
use self::resolve::Resolved;
use self::resolve::Resolvers;
use self::resolve::Unresolved;
use self::transpile::SourceKind;

/// Errors raised while resolving or loading a module.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum ModuleError {
  /// A bare specifier with no package in any `node_modules` above.
  #[class(type)]
  #[error("Cannot find package '{specifier}' imported from '{referrer}'")]
  Package { specifier: String, referrer: String },
  /// A path that does not exist.
  #[class(type)]
  #[error("Cannot find module '{specifier}' from '{referrer}'")]
  NotFound { specifier: String, referrer: String },
  /// A Node built-in rt does not provide.
  #[class(type)]
  #[error(
    "rt does not support the Node built-in '{name}' yet (imported from '{referrer}')"
  )]
  Builtin { name: String, referrer: String },
  /// What else the resolver reported (a bad `exports` map, ...).
  #[class(type)]
  #[error("Cannot resolve '{specifier}' from '{referrer}': {reason}")]
  Resolve {
    specifier: String,
    referrer: String,
    reason: String,
  },
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
  /// A TypeScript/JSX file that does not parse.
  #[class(syntax)]
  #[error("{0}")]
  Syntax(#[from] transpile::TranspileError),
  /// `with { type: "json" }` on something that is not a `.json` file.
  #[class(type)]
  #[error("Expected a JSON module, but '{0}' is not a .json file")]
  NotJson(String),
}

/// The path of a `file:` URL specifier.
fn file_path(specifier: &str) -> Option<PathBuf> {
  Url::parse(specifier)
    .ok()
    .filter(|u| u.scheme() == "file")
    .and_then(|u| u.to_file_path().ok())
}

/// Shows a specifier as a path when it is a `file:` URL (what Bun prints).
pub fn display_specifier(specifier: &str) -> String {
  file_path(specifier)
    .map(|p| p.display().to_string())
    .unwrap_or_else(|| specifier.to_string())
}

/// The module `rt test-run` starts from (its code is given, not loaded).
pub const TEST_ENTRY: &str = "rt:test-entry";

/// How deep CommonJS re-exports are followed for named exports.
const MAX_REEXPORT_DEPTH: usize = 8;

/// Resolves, transpiles and loads modules for `import` and `require`.
pub struct ModuleHost {
  resolvers: Resolvers,
  cache: Option<cache::Cache>,
  /// Source maps of transformed files, by module URL.
  source_maps: RefCell<HashMap<String, Vec<u8>>>,
  /// Decided formats, by path (a file is one format for the whole run).
  formats: RefCell<HashMap<PathBuf, Format>>,
  /// `"type"` of the nearest package.json, by directory.
  package_types: RefCell<HashMap<PathBuf, Option<Format>>>,
  /// `jsxImportSource` of the nearest tsconfig.json, by directory.
  jsx_sources: RefCell<HashMap<PathBuf, String>>,
}

impl Default for ModuleHost {
  fn default() -> Self {
    Self {
      resolvers: Resolvers::default(),
      cache: cache::Cache::from_env(),
      source_maps: RefCell::default(),
      formats: RefCell::default(),
      package_types: RefCell::default(),
      jsx_sources: RefCell::default(),
    }
  }
}

impl ModuleHost {
  /// Under `rt test`: `harness` imports load rt's stand-in for Bun's
  /// test harness.
  pub fn use_test_harness(&self) {
    self.resolvers.test_harness.set(true);
  }
}

/// The referrer of an import as a file path (the working directory for
/// the main module and for internal referrers).
fn referrer_path(referrer: &str) -> PathBuf {
  file_path(referrer).unwrap_or_else(|| {
    std::env::current_dir()
      .unwrap_or_else(|_| PathBuf::from("/"))
      .join("[main]")
  })
}

fn read(path: &Path) -> Result<String, ModuleError> {
  std::fs::read_to_string(path).map_err(|source| ModuleError::Read {
    path: path.display().to_string(),
    source,
  })
}

fn is_json(path: &Path) -> bool {
  path
    .extension()
    .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

fn in_node_modules(path: &Path) -> bool {
  path.components().any(|c| c.as_os_str() == "node_modules")
}

impl ModuleHost {
  /// Resolves `specifier` from the file `referrer` (`require`: with the
  /// `require` condition).
  pub fn resolve_path(
    &self,
    specifier: &str,
    referrer: &Path,
    require: bool,
  ) -> Result<Resolved, ModuleError> {
    let shown = || referrer.display().to_string();
    // A file: URL is a path (the main module arrives this way).
    let specifier_path;
    let specifier = match Url::parse(specifier) {
      Ok(url) if url.scheme() == "file" => {
        specifier_path = url
          .to_file_path()
          .map_err(|()| ModuleError::UnsupportedScheme(url.to_string()))?;
        specifier_path.to_str().unwrap_or(specifier)
      }
      Ok(url)
        if !matches!(url.scheme(), "node" | "bun")
          && url.scheme().len() > 1 =>
      {
        return Err(ModuleError::UnsupportedScheme(url.scheme().to_string()));
      }
      _ => specifier,
    };
    self
      .resolvers
      .resolve(specifier, referrer, require)
      .map_err(|e| match e {
        Unresolved::Package(specifier) => ModuleError::Package {
          specifier,
          referrer: shown(),
        },
        Unresolved::Module(specifier) => ModuleError::NotFound {
          specifier,
          referrer: shown(),
        },
        Unresolved::Builtin(name) => ModuleError::Builtin {
          name,
          referrer: shown(),
        },
        Unresolved::Other(reason) => ModuleError::Resolve {
          specifier: specifier.to_string(),
          referrer: shown(),
          reason,
        },
      })
  }

  /// The `"type"` of the package a file belongs to, if it says.
  fn package_type(&self, dir: &Path) -> Option<Format> {
    nearest(&self.package_types, dir, "package.json", None, &|text| {
      let value = serde_json::from_str::<serde_json::Value>(&text).ok()?;
      match value.get("type")?.as_str()? {
        "module" => Some(Format::Esm),
        "commonjs" => Some(Format::CommonJs),
        _ => None,
      }
    })
  }

  /// Whether a file runs as CommonJS or an ES module: its extension, else
  /// its package's `"type"`, else its syntax.
  fn format(&self, path: &Path, source: &str) -> Format {
    if let Some(known) = self.formats.borrow().get(path) {
      return *known;
    }
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let format = match ext {
      "mjs" | "mts" => Format::Esm,
      "cjs" | "cts" => Format::CommonJs,
      _ => path
        .parent()
        .and_then(|dir| self.package_type(dir))
        .unwrap_or_else(|| {
          cjs::detect_format(source, SourceKind::of(path).is_some())
        }),
    };
    self.formats.borrow_mut().insert(path.to_path_buf(), format);
    format
  }

  /// `compilerOptions.jsxImportSource` of the nearest tsconfig.json
  /// (`react`, Bun's default, when none says).
  fn jsx_import_source(&self, dir: &Path) -> String {
    nearest(
      &self.jsx_sources,
      dir,
      "tsconfig.json",
      "react".into(),
      &|mut text| {
        let _ = json_strip_comments::strip(&mut text);
        serde_json::from_str::<serde_json::Value>(&text)
          .ok()
          .and_then(|v| {
            Some(
              v.get("compilerOptions")?
                .get("jsxImportSource")?
                .as_str()?
                .to_string(),
            )
          })
          .unwrap_or_else(|| "react".to_string())
      },
    )
  }

  /// The JavaScript for a JS/TS file in `format`, transpiled (through the
  /// cache) when it is TypeScript or JSX.
  fn code(
    &self,
    path: &Path,
    source: String,
    format: Format,
  ) -> Result<transpile::Transpiled, ModuleError> {
    let Some(kind) = SourceKind::of(path) else {
      return Ok(transpile::Transpiled {
        code: source,
        source_map: None,
      });
    };
    let shown = path.display().to_string();
    let jsx = match kind {
      SourceKind::TypeScript => String::new(),
      _ => self.jsx_import_source(path.parent().unwrap_or(Path::new("/"))),
    };
    let module_flag: &[u8] = if format == Format::Esm {
      b"esm"
    } else {
      b"cjs"
    };
    let key = cache::Cache::key(&[
      shown.as_bytes(),
      module_flag,
      jsx.as_bytes(),
      source.as_bytes(),
    ]);
    if let Some(hit) = self.cache.as_ref().and_then(|c| c.get(&key)) {
      return Ok(hit);
    }
    let out = transpile::transpile(
      &shown,
      kind,
      &source,
      format == Format::Esm,
      if jsx.is_empty() { "react" } else { &jsx },
    )?;
    if let Some(cache) = &self.cache {
      cache.put(&key, &out);
    }
    Ok(out)
  }

  /// The ES module source for a file: the module itself, or the facade of
  /// a CommonJS file.
  fn esm_source(&self, url: &Url, path: &Path) -> Result<String, ModuleError> {
    let source = read(path)?;
    let format = self.format(path, &source);
    match format {
      Format::Esm => {
        let out = self.code(path, source, format)?;
        if let Some(map) = out.source_map {
          self
            .source_maps
            .borrow_mut()
            .insert(url.to_string(), map.into_bytes());
        }
        Ok(with_commonjs_globals(out.code, path))
      }
      Format::CommonJs => {
        let code = self.code(path, source, format)?.code;
        let mut names = BTreeSet::new();
        self.cjs_names(path, &code, &mut names, 0);
        Ok(cjs::facade(&path.display().to_string(), &names))
      }
    }
  }

  /// The export names of a CommonJS file and of the files it re-exports.
  fn cjs_names(
    &self,
    path: &Path,
    code: &str,
    names: &mut BTreeSet<String>,
    depth: usize,
  ) {
    let found = cjs::analyze(code, false);
    names.extend(found.names);
    if depth >= MAX_REEXPORT_DEPTH {
      return;
    }
    for specifier in found.reexports {
      let Ok(Resolved::File(target)) =
        self.resolve_path(&specifier, path, true)
      else {
        continue;
      };
      let Ok(source) = read(&target) else { continue };
      if is_json(&target) || self.format(&target, &source) != Format::CommonJs {
        continue;
      }
      if let Ok(out) = self.code(&target, source, Format::CommonJs) {
        self.cjs_names(&target, &out.code, names, depth + 1);
      }
    }
  }
}

/// What the nearest `file_name` at or above `dir` says (`read` of its
/// text), or `default` when there is none. The nearest file decides even
/// when it does not say (as Node reads package.json `type`); answers are
/// cached per directory, for the directories walked through too.
fn nearest<T: Clone>(
  cache: &RefCell<HashMap<PathBuf, T>>,
  dir: &Path,
  file_name: &str,
  default: T,
  read: &dyn Fn(String) -> T,
) -> T {
  if let Some(known) = cache.borrow().get(dir) {
    return known.clone();
  }
  let found = match std::fs::read_to_string(dir.join(file_name)) {
    Ok(text) => read(text),
    Err(_) => match dir.parent() {
      Some(parent) => nearest(cache, parent, file_name, default, read),
      None => default,
    },
  };
  cache.borrow_mut().insert(dir.to_path_buf(), found.clone());
  found
}

/// Bun lets ES modules use `require`, `__filename`, `__dirname` and
/// `import.meta.dir`/`path`/`require`: an app's own module that mentions
/// them gets them defined on its first line (so no line number moves).
fn with_commonjs_globals(code: String, path: &Path) -> String {
  if in_node_modules(path) {
    return code;
  }
  let mut prelude = String::new();
  let wants = |name: &str| code.contains(name);
  // A module that declares the name itself keeps its own.
  let free = |name: &str| {
    wants(name)
      && !["const ", "let ", "var ", "function ", "import ", " as "]
        .iter()
        .any(|decl| declares(&code, &format!("{decl}{name}")))
  };
  let needs_require = free("require");
  if needs_require || wants("import.meta.dir") || wants("import.meta.path") {
    prelude.push_str(
      "import { createRequire as __rtCreateRequire } from \"node:module\";\
       import.meta.require ??= __rtCreateRequire(import.meta.url);\
       import.meta.dir ??= import.meta.dirname;\
       import.meta.path ??= import.meta.filename;",
    );
    if needs_require {
      prelude.push_str("var require = import.meta.require;");
    }
  }
  if free("__filename") {
    prelude.push_str("var __filename = import.meta.filename;");
  }
  if free("__dirname") {
    prelude.push_str("var __dirname = import.meta.dirname;");
  }
  if prelude.is_empty() {
    return code;
  }
  // A hashbang must stay first.
  if code.starts_with("#!") {
    let end = code.find('\n').unwrap_or(code.len());
    return format!("{}{prelude}{}", &code[..end], &code[end..]);
  }
  prelude + &code
}

/// Whether `code` has `needle` followed by a character that ends a name
/// (`const require =`, but not `const required`).
fn declares(code: &str, needle: &str) -> bool {
  code.match_indices(needle).any(|(i, _)| {
    !code[i + needle.len()..]
      .chars()
      .next()
      .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
  })
}

impl ModuleLoader for ModuleHost {
  fn resolve(
    &self,
    specifier: &str,
    referrer: &str,
    _kind: ResolutionKind,
  ) -> ModuleResolveResponse {
    if specifier == TEST_ENTRY {
      return Url::parse(TEST_ENTRY).map_err(JsErrorBox::from_err);
    }
    match self.resolve_path(specifier, &referrer_path(referrer), false) {
      Ok(Resolved::File(path)) => Url::from_file_path(&path).map_err(|()| {
        JsErrorBox::from_err(ModuleError::NotFound {
          specifier: specifier.to_string(),
          referrer: display_specifier(referrer),
        })
      }),
      Ok(Resolved::Builtin(name)) => {
        let module = resolve::builtin_module(&name).unwrap_or(name.as_str());
        Url::parse(module).map_err(JsErrorBox::from_err)
      }
      Err(e) => Err(JsErrorBox::from_err(e)),
    }
  }

  fn load(
    &self,
    specifier: &ModuleSpecifier,
    _referrer: Option<&ModuleLoadReferrer>,
    options: ModuleLoadOptions,
  ) -> ModuleLoadResponse {
    ModuleLoadResponse::Sync(
      self
        .load_module(specifier, &options.requested_module_type)
        .map_err(JsErrorBox::from_err),
    )
  }

  fn get_source_map(
    &self,
    file_name: &str,
  ) -> Option<std::borrow::Cow<'_, [u8]>> {
    self
      .source_maps
      .borrow()
      .get(file_name)
      .map(|map| std::borrow::Cow::Owned(map.clone()))
  }
}

impl ModuleHost {
  fn load_module(
    &self,
    specifier: &ModuleSpecifier,
    requested: &RequestedModuleType,
  ) -> Result<ModuleSource, ModuleError> {
    if specifier.scheme() != "file" {
      return Err(ModuleError::UnsupportedScheme(
        specifier.scheme().to_string(),
      ));
    }
    let path = specifier
      .to_file_path()
      .map_err(|()| ModuleError::UnsupportedScheme(specifier.to_string()))?;
    let (module_type, code) = match (is_json(&path), requested) {
      // Bun and Deno: `import page from "./index.html" with { type: "text" }`.
      (_, RequestedModuleType::Text) => (ModuleType::Text, read(&path)?),
      // Bun imports JSON with or without `with { type: "json" }`.
      (true, _) => (ModuleType::Json, read(&path)?),
      (false, RequestedModuleType::Json) => {
        return Err(ModuleError::NotJson(path.display().to_string()));
      }
      (false, _) => {
        (ModuleType::JavaScript, self.esm_source(specifier, &path)?)
      }
    };
    Ok(ModuleSource::new(
      module_type,
      ModuleSourceCode::String(code.into()),
      specifier,
      None,
    ))
  }
}

impl RequireHost for ModuleHost {
  fn resolve(
    &self,
    specifier: &str,
    parent: &str,
  ) -> Result<String, JsErrorBox> {
    match self.resolve_path(specifier, Path::new(parent), true) {
      Ok(Resolved::File(path)) => Ok(path.display().to_string()),
      Ok(Resolved::Builtin(name)) => Ok(name),
      Err(e) => Err(JsErrorBox::from_err(e)),
    }
  }

  fn load(&self, path: &str) -> Result<(RequireFormat, String), JsErrorBox> {
    let path = Path::new(path);
    let source = read(path).map_err(JsErrorBox::from_err)?;
    if is_json(path) {
      return Ok((RequireFormat::Json, source));
    }
    match self.format(path, &source) {
      Format::Esm => Ok((RequireFormat::Esm, String::new())),
      Format::CommonJs => {
        let out = self
          .code(path, source, Format::CommonJs)
          .map_err(JsErrorBox::from_err)?;
        Ok((RequireFormat::CommonJs, out.code))
      }
    }
  }
}
