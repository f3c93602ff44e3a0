//! TypeScript and JSX to JavaScript, without type checking (as Bun).
//!
//! Type stripping (`swc_ts_fast_strip`'s StripOnly) blanks the types and
//! keeps every line and column, so the engine's positions are the `.ts`
//! file's and no source map is needed. Where stripping is not enough the
//! file is transformed instead, with a source map that deno_core applies
//! to stack traces: syntax stripping refuses (enums, namespaces, parameter
//! properties, `import x = require()`), JSX, and imports used only as types
//! (a value import of a type would fail to link; the transform elides it).

use std::sync::Arc;
use std::sync::Mutex;

use swc_common::BytePos;
use swc_common::FileName;
use swc_common::GLOBALS;
use swc_common::Globals;
use swc_common::SourceMap;
use swc_common::errors::DiagnosticBuilder;
use swc_common::errors::Emitter;
use swc_common::errors::HANDLER;
use swc_common::errors::Handler;
use swc_common::sync::Lrc;
use swc_ecma_ast::EsVersion;
use swc_ecma_ast::ImportSpecifier;
use swc_ecma_parser::Parser;
use swc_ecma_parser::StringInput;
use swc_ecma_parser::Syntax;
use swc_ecma_parser::TsSyntax;
use swc_ecma_parser::lexer::Lexer;
use swc_ecma_visit::Visit;
use swc_ecma_visit::VisitWith;
use swc_ts_fast_strip::ErrorCode;
use swc_ts_fast_strip::JsxConfig;
use swc_ts_fast_strip::Mode;
use swc_ts_fast_strip::Options;
use swc_ts_fast_strip::TransformConfig;

/// What kind of source a file holds, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
  /// `.ts .mts .cts`
  TypeScript,
  /// `.tsx`
  Tsx,
  /// `.jsx`
  Jsx,
}

impl SourceKind {
  /// The kind for a file name, `None` for plain JavaScript.
  pub fn of(path: &std::path::Path) -> Option<Self> {
    match path.extension()?.to_str()? {
      "ts" | "mts" | "cts" => Some(Self::TypeScript),
      "tsx" => Some(Self::Tsx),
      "jsx" => Some(Self::Jsx),
      _ => None,
    }
  }
}

/// JavaScript made from a TypeScript/JSX file.
#[derive(Debug, Clone)]
pub struct Transpiled {
  /// The code the engine runs.
  pub code: String,
  /// A source map back to the original, when positions moved.
  pub source_map: Option<String>,
}

/// A file that does not parse: the first diagnostic, with its position.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}\n    at {file}:{line}:{column}")]
pub struct TranspileError {
  /// The parser's message.
  pub message: String,
  /// The file, as a path.
  pub file: String,
  /// 1-based line.
  pub line: usize,
  /// 1-based column.
  pub column: usize,
}

/// One diagnostic: its message and where it starts.
type Diagnostic = (String, Option<BytePos>);

/// Collects diagnostics (swc emits them through a handler).
#[derive(Clone, Default)]
struct Collected(Arc<Mutex<Vec<Diagnostic>>>);

impl Emitter for Collected {
  fn emit(&mut self, db: &mut DiagnosticBuilder<'_>) {
    let position = db.span.primary_span().map(|span| span.lo);
    if let Ok(mut list) = self.0.lock() {
      list.push((db.message(), position));
    }
  }
}

/// Transpiles `source` (file `path`, shown in errors). `module`: parse as
/// an ES module (`false` for CommonJS). `jsx_import_source`: where the
/// automatic JSX runtime is imported from (`react` unless tsconfig says).
pub fn transpile(
  path: &str,
  kind: SourceKind,
  source: &str,
  module: bool,
  jsx_import_source: &str,
) -> Result<Transpiled, TranspileError> {
  let needs_transform = kind != SourceKind::TypeScript
    || has_type_only_imports(source).unwrap_or(false);
  if !needs_transform {
    match run(
      path,
      kind,
      source,
      module,
      Mode::StripOnly,
      jsx_import_source,
    ) {
      Ok(out) => return Ok(out),
      Err((ErrorCode::UnsupportedSyntax, _)) => {}
      Err((_, err)) => return Err(err),
    }
  }
  run(
    path,
    kind,
    source,
    module,
    Mode::Transform,
    jsx_import_source,
  )
  .map_err(|(_, err)| err)
}

fn run(
  path: &str,
  kind: SourceKind,
  source: &str,
  module: bool,
  mode: Mode,
  jsx_import_source: &str,
) -> Result<Transpiled, (ErrorCode, TranspileError)> {
  let cm: Lrc<SourceMap> = Lrc::default();
  let collected = Collected::default();
  let handler =
    Handler::with_emitter(false, false, Box::new(collected.clone()));
  let transform = matches!(mode, Mode::Transform);
  let options = Options {
    module: Some(module),
    filename: Some(path.to_string()),
    parser: TsSyntax {
      tsx: kind != SourceKind::TypeScript,
      decorators: true,
      ..Default::default()
    },
    mode,
    transform: transform.then(|| TransformConfig {
      jsx: Some(JsxConfig {
        transform: None,
        import_source: Some(jsx_import_source.into()),
      }),
      typescript: swc_ecma_transforms_typescript::Config {
        native_class_properties: true,
        no_empty_export: true,
        ..Default::default()
      },
    }),
    deprecated_ts_module_as_error: None,
    source_map: transform,
  };
  let result = GLOBALS.set(&Globals::new(), || {
    HANDLER.set(&handler, || {
      swc_ts_fast_strip::operate(&cm, &handler, source.to_string(), options)
    })
  });
  match result {
    Ok(out) => Ok(Transpiled {
      code: out.code,
      source_map: out.map,
    }),
    Err(err) => {
      let first = collected
        .0
        .lock()
        .ok()
        .and_then(|list| list.first().cloned());
      let (message, position) = first.unwrap_or((err.message.clone(), None));
      let (line, column) = position
        .filter(|pos| pos.0 > 0)
        .map(|pos| {
          let loc = cm.lookup_char_pos(pos);
          (loc.line, loc.col_display + 1)
        })
        .unwrap_or((1, 1));
      Err((
        err.code,
        TranspileError {
          message,
          file: path.to_string(),
          line,
          column,
        },
      ))
    }
  }
}

/// Whether a value import is never used as a value (an import of a type
/// without `type`): such a file needs the transform, which elides it.
/// `None` when the file does not parse (the strip reports the error).
fn has_type_only_imports(source: &str) -> Option<bool> {
  let cm: Lrc<SourceMap> = Lrc::default();
  let file = cm.new_source_file(FileName::Anon.into(), source.to_string());
  let lexer = Lexer::new(
    Syntax::Typescript(TsSyntax {
      decorators: true,
      ..Default::default()
    }),
    EsVersion::latest(),
    StringInput::from(&*file),
    None,
  );
  let program = Parser::new_from(lexer).parse_program().ok()?;
  let mut usage = ValueUsage::default();
  program.visit_with(&mut usage);
  Some(usage.imported.iter().any(|name| !usage.used.contains(name)))
}

/// Import bindings, and every identifier used outside type positions.
#[derive(Default)]
struct ValueUsage {
  imported: Vec<swc_atoms::Atom>,
  used: std::collections::HashSet<swc_atoms::Atom>,
}

impl Visit for ValueUsage {
  fn visit_import_decl(&mut self, import: &swc_ecma_ast::ImportDecl) {
    if import.type_only {
      return;
    }
    for specifier in &import.specifiers {
      match specifier {
        ImportSpecifier::Named(named) if !named.is_type_only => {
          self.imported.push(named.local.sym.clone());
        }
        ImportSpecifier::Default(default) => {
          self.imported.push(default.local.sym.clone());
        }
        ImportSpecifier::Namespace(ns) => {
          self.imported.push(ns.local.sym.clone());
        }
        ImportSpecifier::Named(_) => {}
      }
    }
  }

  fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
    self.used.insert(ident.sym.clone());
  }

  // JSX names (`<Layout>`) use the binding as a value.
  fn visit_jsx_element_name(&mut self, name: &swc_ecma_ast::JSXElementName) {
    if let swc_ecma_ast::JSXElementName::Ident(ident) = name {
      self.used.insert(ident.sym.clone());
    }
    name.visit_children_with(self);
  }

  // Type positions: a name used only here is a type.
  fn visit_ts_type(&mut self, _: &swc_ecma_ast::TsType) {}
  fn visit_ts_type_ann(&mut self, _: &swc_ecma_ast::TsTypeAnn) {}
  fn visit_ts_type_param_instantiation(
    &mut self,
    _: &swc_ecma_ast::TsTypeParamInstantiation,
  ) {
  }
  fn visit_ts_type_param_decl(&mut self, _: &swc_ecma_ast::TsTypeParamDecl) {}
  fn visit_ts_interface_decl(&mut self, _: &swc_ecma_ast::TsInterfaceDecl) {}
  fn visit_ts_type_alias_decl(&mut self, _: &swc_ecma_ast::TsTypeAliasDecl) {}
  fn visit_ts_expr_with_type_args(
    &mut self,
    _: &swc_ecma_ast::TsExprWithTypeArgs,
  ) {
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn strip_keeps_positions() {
    let src = "const a: number = 1;\ninterface X { y: string }\nthrow new Error(String(a));\n";
    let out =
      transpile("/a.ts", SourceKind::TypeScript, src, true, "react").unwrap();
    assert!(out.source_map.is_none());
    assert_eq!(out.code.lines().count(), src.lines().count());
    assert_eq!(out.code.lines().nth(2), src.lines().nth(2));
  }

  #[test]
  fn enums_are_transformed_with_a_map() {
    let src = "enum Color { Red, Green }\nexport const c = Color.Green;\n";
    let out =
      transpile("/a.ts", SourceKind::TypeScript, src, true, "react").unwrap();
    assert!(out.code.contains("Color"));
    assert!(out.source_map.is_some());
  }

  #[test]
  fn type_only_imports_are_elided() {
    let src = "import { Foo, bar } from './x';\nconst f: Foo = bar();\n";
    assert_eq!(has_type_only_imports(src), Some(true));
    let out =
      transpile("/a.ts", SourceKind::TypeScript, src, true, "react").unwrap();
    assert!(!out.code.contains("Foo"), "{}", out.code);
    assert!(out.code.contains("bar"));
    let used = "import { bar } from './x';\nbar();\n";
    assert_eq!(has_type_only_imports(used), Some(false));
  }

  #[test]
  fn jsx_uses_the_import_source() {
    let src = "export const el = <div class=\"a\">hi</div>;\n";
    let out =
      transpile("/a.tsx", SourceKind::Tsx, src, true, "hono/jsx").unwrap();
    assert!(out.code.contains("hono/jsx/jsx-runtime"), "{}", out.code);
  }

  #[test]
  fn syntax_errors_name_line_and_column() {
    let src = "const a = 1;\nconst b: number = ;\n";
    let err = transpile("/app.ts", SourceKind::TypeScript, src, true, "react")
      .unwrap_err();
    assert_eq!((err.line, err.file.as_str()), (2, "/app.ts"));
    assert!(err.column > 1, "{err}");
  }
}
