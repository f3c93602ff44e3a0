//! CommonJS seen from ES modules: which format a file is, which names a
//! CommonJS module exports, and the ES module facade that re-exports them.
//!
//! A deno_core loader cannot run JS while it loads, so, as Node does, the
//! export names are found statically (the patterns of Node's
//! cjs-module-lexer: `exports.x =`, `module.exports = { x }`,
//! `Object.defineProperty(exports, "x", ...)`, re-exports through
//! `module.exports = require("./y")` and `__exportStar(require("./y"))`),
//! and the engine gets a small ES module that calls rt's `require()`.

use std::collections::BTreeSet;

use swc_common::FileName;
use swc_common::SourceMap;
use swc_common::sync::Lrc;
use swc_ecma_ast::AssignExpr;
use swc_ecma_ast::CallExpr;
use swc_ecma_ast::Callee;
use swc_ecma_ast::EsVersion;
use swc_ecma_ast::Expr;
use swc_ecma_ast::Lit;
use swc_ecma_ast::MemberProp;
use swc_ecma_ast::ModuleItem;
use swc_ecma_ast::ObjectLit;
use swc_ecma_ast::Program;
use swc_ecma_ast::Prop;
use swc_ecma_ast::PropName;
use swc_ecma_ast::PropOrSpread;
use swc_ecma_parser::EsSyntax;
use swc_ecma_parser::Parser;
use swc_ecma_parser::StringInput;
use swc_ecma_parser::Syntax;
use swc_ecma_parser::TsSyntax;
use swc_ecma_parser::lexer::Lexer;
use swc_ecma_visit::Visit;
use swc_ecma_visit::VisitWith;

/// How a JavaScript or TypeScript file is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
  /// An ES module.
  Esm,
  /// A CommonJS module (run by `require`, re-exported to ES modules).
  CommonJs,
}

/// What the static analysis of a CommonJS source found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CjsExports {
  /// Names assigned on `exports` / `module.exports`.
  pub names: BTreeSet<String>,
  /// Specifiers whose exports are re-exported whole.
  pub reexports: Vec<String>,
}

/// Parses `source` as JavaScript (`ts`: TypeScript) without failing on
/// errors: a file the parser rejects is left to the engine, which reports
/// the error with its position.
fn parse(source: &str, ts: bool) -> Option<Program> {
  let cm: Lrc<SourceMap> = Lrc::default();
  let file = cm.new_source_file(FileName::Anon.into(), source.to_string());
  let syntax = if ts {
    Syntax::Typescript(TsSyntax {
      tsx: false,
      decorators: true,
      ..Default::default()
    })
  } else {
    Syntax::Es(EsSyntax {
      jsx: false,
      allow_return_outside_function: true,
      ..Default::default()
    })
  };
  let lexer =
    Lexer::new(syntax, EsVersion::latest(), StringInput::from(&*file), None);
  Parser::new_from(lexer).parse_program().ok()
}

/// Decides CommonJS or ES module for a file whose package does not say
/// (no `"type"`, a `.js`/`.ts` extension), by its syntax, as Bun does:
/// `import`/`export` make an ES module; otherwise a file that uses
/// `require`, `module` or `exports` is CommonJS; anything else is an ES
/// module.
pub fn detect_format(source: &str, ts: bool) -> Format {
  // Without any of the three words the answer is ES module whatever the
  // syntax: skip the parse, which would otherwise run on every start for
  // an app file whose package does not say (it is not in the transpile
  // cache).
  if !["require", "module", "exports"]
    .iter()
    .any(|word| source.contains(word))
  {
    return Format::Esm;
  }
  match parse(source, ts) {
    Some(Program::Module(module))
      if module
        .body
        .iter()
        .any(|item| matches!(item, ModuleItem::ModuleDecl(_))) =>
    {
      Format::Esm
    }
    Some(program) => {
      let mut uses = UsesCommonJs(false);
      program.visit_with(&mut uses);
      if uses.0 {
        Format::CommonJs
      } else {
        Format::Esm
      }
    }
    // Unparsable: let the engine report the error as an ES module would.
    None => Format::Esm,
  }
}

/// Set when `require`, `module` or `exports` appears as an identifier.
struct UsesCommonJs(bool);

impl Visit for UsesCommonJs {
  fn visit_ident(&mut self, ident: &swc_ecma_ast::Ident) {
    if matches!(&*ident.sym, "require" | "module" | "exports") {
      self.0 = true;
    }
  }
}

/// Finds the names a CommonJS source exports.
pub fn analyze(source: &str, ts: bool) -> CjsExports {
  let mut found = Finder::default();
  if let Some(program) = parse(source, ts) {
    program.visit_with(&mut found);
  }
  found.exports
}

#[derive(Default)]
struct Finder {
  exports: CjsExports,
}

/// `exports` or `module.exports`.
fn is_exports(expr: &Expr) -> bool {
  match expr {
    Expr::Ident(ident) => &*ident.sym == "exports",
    Expr::Member(member) => {
      matches!(&*member.obj, Expr::Ident(o) if &*o.sym == "module")
        && member_name(&member.prop).as_deref() == Some("exports")
    }
    Expr::Paren(paren) => is_exports(&paren.expr),
    _ => false,
  }
}

fn member_name(prop: &MemberProp) -> Option<String> {
  match prop {
    MemberProp::Ident(ident) => Some(ident.sym.to_string()),
    MemberProp::Computed(computed) => string_lit(&computed.expr),
    MemberProp::PrivateName(_) => None,
  }
}

fn string_lit(expr: &Expr) -> Option<String> {
  match expr {
    Expr::Lit(Lit::Str(s)) => Some(s.value.to_string_lossy().into_owned()),
    Expr::Tpl(tpl) if tpl.exprs.is_empty() && tpl.quasis.len() == 1 => tpl
      .quasis[0]
      .cooked
      .as_ref()
      .map(|c| c.to_string_lossy().into_owned()),
    _ => None,
  }
}

/// The specifier of `require("x")`.
fn require_call(expr: &Expr) -> Option<String> {
  let Expr::Call(call) = expr else { return None };
  let Callee::Expr(callee) = &call.callee else {
    return None;
  };
  if !matches!(&**callee, Expr::Ident(i) if &*i.sym == "require") {
    return None;
  }
  call.args.first().and_then(|arg| string_lit(&arg.expr))
}

impl Finder {
  fn object_names(&mut self, object: &ObjectLit) {
    for prop in &object.props {
      match prop {
        PropOrSpread::Spread(spread) => {
          if let Some(spec) = require_call(&spread.expr) {
            self.exports.reexports.push(spec);
          }
        }
        PropOrSpread::Prop(prop) => {
          let name = match &**prop {
            Prop::Shorthand(ident) => Some(ident.sym.to_string()),
            Prop::KeyValue(kv) => prop_name(&kv.key),
            Prop::Getter(g) => prop_name(&g.key),
            Prop::Method(m) => prop_name(&m.key),
            _ => None,
          };
          if let Some(name) = name {
            self.exports.names.insert(name);
          }
        }
      }
    }
  }
}

fn prop_name(key: &PropName) -> Option<String> {
  match key {
    PropName::Ident(ident) => Some(ident.sym.to_string()),
    PropName::Str(s) => Some(s.value.to_string_lossy().into_owned()),
    _ => None,
  }
}

impl Visit for Finder {
  fn visit_assign_expr(&mut self, assign: &AssignExpr) {
    if let Some(member) = assign.left.as_simple().and_then(|s| s.as_member()) {
      if is_exports(&member.obj) {
        // exports.x = ... / module.exports.x = ...
        if let Some(name) = member_name(&member.prop) {
          self.exports.names.insert(name);
        }
      } else if is_exports(&Expr::Member(member.clone())) {
        // module.exports = ...
        match &*assign.right {
          Expr::Object(object) => self.object_names(object),
          other => {
            if let Some(spec) = require_call(other) {
              self.exports.reexports.push(spec);
            }
          }
        }
      }
    }
    assign.visit_children_with(self);
  }

  fn visit_call_expr(&mut self, call: &CallExpr) {
    if let Callee::Expr(callee) = &call.callee {
      let args: Vec<&Expr> = call.args.iter().map(|a| &*a.expr).collect();
      let callee_name = match &**callee {
        Expr::Ident(ident) => Some(ident.sym.to_string()),
        Expr::Member(member) => {
          member_name(&member.prop).map(|prop| match &*member.obj {
            Expr::Ident(obj) => format!("{}.{prop}", obj.sym),
            _ => prop,
          })
        }
        _ => None,
      };
      match callee_name.as_deref() {
        // Object.defineProperty(exports, "x", { ... })
        Some("Object.defineProperty")
          if args.len() >= 2
            && is_exports(args[0])
            && args.get(2).is_none_or(|d| exported_descriptor(d)) =>
        {
          if let Some(name) = string_lit(args[1]) {
            self.exports.names.insert(name);
          }
        }
        // TypeScript's and tslib's re-export helpers.
        Some(name)
          if name.ends_with("__exportStar") || name.ends_with("__export") =>
        {
          if let Some(spec) = args.first().and_then(|a| require_call(a)) {
            self.exports.reexports.push(spec);
          }
        }
        _ => {}
      }
    }
    call.visit_children_with(self);
  }
}

/// A descriptor cjs-module-lexer counts as an export: one with a `value`,
/// or a getter marked `enumerable: true` (a bare accessor, such as a
/// deprecation warning on read, is not one, and is not read at import).
fn exported_descriptor(descriptor: &Expr) -> bool {
  let Expr::Object(object) = descriptor else {
    return true;
  };
  fn key(prop: &PropOrSpread) -> Option<(String, Option<&Expr>)> {
    match prop {
      PropOrSpread::Prop(p) => match &**p {
        Prop::KeyValue(kv) => prop_name(&kv.key).map(|k| (k, Some(&*kv.value))),
        Prop::Method(m) => prop_name(&m.key).map(|k| (k, None)),
        Prop::Getter(g) => prop_name(&g.key).map(|k| (k, None)),
        _ => None,
      },
      PropOrSpread::Spread(_) => None,
    }
  }
  let props: Vec<(String, Option<&Expr>)> =
    object.props.iter().filter_map(key).collect();
  if props.iter().any(|(k, _)| k == "value") {
    return true;
  }
  props.iter().any(|(k, v)| {
    k == "enumerable" && matches!(v, Some(Expr::Lit(Lit::Bool(b))) if b.value)
  })
}

/// The ES module the engine loads for a CommonJS file: it runs the file
/// through rt's `require()` (one cache for `import` and `require`) and
/// re-exports `module.exports` as `default` (its `default` when it sets
/// `__esModule`, as Bun does) and each name found by [`analyze`].
pub fn facade(path: &str, names: &BTreeSet<String>) -> String {
  let path = serde_json::Value::from(path);
  let mut code = format!(
    "import {{ createRequire as __rtCreateRequire }} from \"node:module\";\n\
     const __rtModule = __rtCreateRequire({path})({path});\n\
     export default __rtModule !== null && typeof __rtModule === \"object\" \
     && __rtModule.__esModule && \"default\" in __rtModule \
     ? __rtModule.default : __rtModule;\n"
  );
  for (i, name) in names.iter().filter(|n| *n != "default").enumerate() {
    let quoted = serde_json::Value::from(name.as_str());
    code.push_str(&format!(
      "const __rtExport{i} = __rtModule == null ? undefined : __rtModule[{quoted}];\n\
       export {{ __rtExport{i} as {quoted} }};\n"
    ));
  }
  code
}

#[cfg(test)]
mod tests {
  use super::*;

  fn names(source: &str) -> Vec<String> {
    analyze(source, false).names.into_iter().collect()
  }

  #[test]
  fn exports_assignments() {
    assert_eq!(
      names("exports.a = 1; module.exports.b = 2; exports['c'] = 3;"),
      ["a", "b", "c"]
    );
  }

  #[test]
  fn module_exports_object_literal() {
    assert_eq!(
      names(
        "function parse() {}\nmodule.exports = { parse, serialize: 1, 'x-y': 2, get z() { return 1 } };"
      ),
      ["parse", "serialize", "x-y", "z"]
    );
  }

  #[test]
  fn define_property_and_es_module_flag() {
    assert_eq!(
      names(
        "Object.defineProperty(exports, \"__esModule\", { value: true });\n\
         Object.defineProperty(exports, 'v4', { enumerable: true, get: function () { return x; } });\n\
         Object.defineProperty(exports, 'warns', { get() { console.warn('x'); } });"
      ),
      ["__esModule", "v4"]
    );
  }

  #[test]
  fn reexports_are_collected() {
    let found = analyze(
      "module.exports = require('./lib');\n\
       __exportStar(require(\"./more\"), exports);\n\
       tslib.__exportStar(require('./tslib'), exports);\n\
       module.exports = { ...require('./spread') };",
      false,
    );
    assert_eq!(found.reexports, ["./lib", "./more", "./tslib", "./spread"]);
  }

  #[test]
  fn esbuild_annotation_is_read() {
    // esbuild ends its CommonJS output with `0 && (module.exports = {...})`.
    assert_eq!(
      names("var x = 1;\n0 && (module.exports = { alpha, beta });"),
      ["alpha", "beta"]
    );
  }

  #[test]
  fn unrelated_assignments_are_ignored() {
    assert!(names("var o = {}; o.exports = 1; foo.bar = 2;").is_empty());
  }

  #[test]
  fn format_detection() {
    assert_eq!(detect_format("export const a = 1;", false), Format::Esm);
    assert_eq!(detect_format("import x from 'y'; x();", false), Format::Esm);
    assert_eq!(
      detect_format("module.exports = function () {};", false),
      Format::CommonJs
    );
    assert_eq!(
      detect_format("const fs = require('fs');", false),
      Format::CommonJs
    );
    assert_eq!(detect_format("console.log(1);", false), Format::Esm);
    assert_eq!(
      detect_format("const x: number = 1; export { x };", true),
      Format::Esm
    );
  }

  #[test]
  fn facade_reexports_names() {
    let names: BTreeSet<String> = ["parse", "default", "a-b"]
      .iter()
      .map(|s| s.to_string())
      .collect();
    let code = facade("/p/index.js", &names);
    assert!(
      code.contains("__rtCreateRequire(\"/p/index.js\")(\"/p/index.js\")")
    );
    assert!(code.contains("export { __rtExport0 as \"a-b\" }"));
    assert!(code.contains("export { __rtExport1 as \"parse\" }"));
    assert!(!code.contains("as \"default\""));
  }
}
