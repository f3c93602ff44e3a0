//! Ops behind CommonJS `require()` (`module.js` here).
//!
//! Resolution and transpiling belong to the module loader, which lives in
//! the `rt` crate (it needs the TypeScript and resolver crates that the
//! snapshot does not); it hands itself to these ops as a [`RequireHost`] in
//! the `OpState`.

use std::rc::Rc;

use deno_core::OpState;
use deno_core::op2;
use deno_error::JsErrorBox;

/// How `require()` runs a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequireFormat {
  /// Wrapped in the CommonJS function and called.
  CommonJs,
  /// Loaded as an ES module (`require(esm)`), through the module loader.
  Esm,
  /// Parsed as JSON.
  Json,
}

impl RequireFormat {
  fn as_str(self) -> &'static str {
    match self {
      Self::CommonJs => "cjs",
      Self::Esm => "esm",
      Self::Json => "json",
    }
  }
}

/// What `require()` needs from the module system.
pub trait RequireHost {
  /// The absolute path `specifier` leads to from the file `parent`, or
  /// `node:name` for a built-in.
  fn resolve(
    &self,
    specifier: &str,
    parent: &str,
  ) -> Result<String, JsErrorBox>;
  /// The file's format and the JavaScript (or JSON text) to run for it.
  fn load(&self, path: &str) -> Result<(RequireFormat, String), JsErrorBox>;
}

/// The host as stored in the `OpState`.
pub type SharedRequireHost = Rc<dyn RequireHost>;

fn host(state: &OpState) -> Result<SharedRequireHost, JsErrorBox> {
  state
    .try_borrow::<SharedRequireHost>()
    .cloned()
    .ok_or_else(|| JsErrorBox::generic("require() is not available here"))
}

/// `require.resolve(specifier)` from `parent`.
#[op2]
#[string]
pub(crate) fn op_rt_require_resolve(
  state: &mut OpState,
  #[string] specifier: &str,
  #[string] parent: &str,
) -> Result<String, JsErrorBox> {
  host(state)?.resolve(specifier, parent)
}

/// The format and code of a resolved file, as `[format, code]`.
#[op2]
#[serde]
pub(crate) fn op_rt_require_load(
  state: &mut OpState,
  #[string] path: &str,
) -> Result<(&'static str, String), JsErrorBox> {
  let (format, code) = host(state)?.load(path)?;
  Ok((format.as_str(), code))
}
