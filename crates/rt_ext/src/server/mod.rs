//! rt's HTTP server in plain Rust (no JS types): the `Bun.serve` server, its
//! route table, response bodies and WebSockets. `ext/serve/` adapts it to
//! ops.
//!
//! The files form a stack: each may use only the files listed before it
//! (the test below checks every `super::` path), so a change low in the
//! stack never has to know what sits above it.
//!
//! | layer | files |
//! |---|---|
//! | vocabulary | `types` (errors, peers, ids, stopping) |
//! | sockets | `tls` (certificates, SNI), `listen` (binding, accepting) |
//! | framing | `framing` (the raw head scanner), `flow` (backpressure, parking) |
//! | bodies | `encode` (codings), `file` (reading files), `body` |
//! | validators | `validators` (conditional requests, ranges) |
//! | responses | `compress`, `file_response`, `routes` |
//! | requests | `ws` (the WebSocket side), `request` (requests waiting for JS), `upgrade` (`server.upgrade`) |
//! | service | `group` (`--workers` sharing), `service` (a server and its service) |
//! | connections | `h2`, `conn` (accepting and serving connections, `start`) |

pub mod types;

pub mod listen;
pub mod tls;

pub mod flow;
pub mod framing;

pub mod body;
pub mod encode;
pub mod file;

pub mod validators;

pub mod compress;
pub mod file_response;
pub mod routes;

pub mod request;
pub mod upgrade;
pub mod ws;

pub mod group;
pub mod service;

pub mod conn;
pub mod h2;

/// The files of this module, lowest first: a file may use only the files
/// before it.
#[cfg(test)]
const LAYERS: &[&str] = &[
  "types",
  "tls",
  "listen",
  "framing",
  "flow",
  "encode",
  "file",
  "body",
  "validators",
  "compress",
  "file_response",
  "routes",
  "ws",
  "request",
  "upgrade",
  "group",
  "service",
  "h2",
  "conn",
];

#[cfg(test)]
mod tests {
  use super::LAYERS;

  /// `source` without its `#[cfg(test)] mod tests { ... }` block, whose
  /// `super::` means the file itself.
  fn without_tests(source: &str) -> String {
    let marker = "#[cfg(test)]\nmod tests {";
    let Some(start) = source.find(marker) else {
      return source.to_string();
    };
    let mut depth = 0usize;
    let body = &source[start + marker.len() - 1..];
    for (at, c) in body.char_indices() {
      match c {
        '{' => depth += 1,
        '}' => {
          depth -= 1;
          if depth == 0 {
            let end = start + marker.len() - 1 + at + 1;
            return format!("{}{}", &source[..start], &source[end..]);
          }
        }
        _ => {}
      }
    }
    source[..start].to_string()
  }

  /// The siblings a file's code (not its tests) names through `super::`
  /// or `crate::server::`.
  fn siblings(source: &str) -> Vec<String> {
    let code = without_tests(source);
    let mut found = Vec::new();
    for prefix in ["super::", "crate::server::"] {
      let mut rest = code.as_str();
      while let Some(at) = rest.find(prefix) {
        rest = &rest[at + prefix.len()..];
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
          let end = group.find('}').unwrap_or(group.len());
          group[..end]
            .split(',')
            .map(|item| item.trim().split("::").next().unwrap_or(""))
            .collect()
        } else {
          vec![
            rest
              .split(|c: char| !c.is_alphanumeric() && c != '_')
              .next()
              .unwrap_or(""),
          ]
        };
        found.extend(
          names
            .into_iter()
            .filter(|n| !n.is_empty())
            .map(String::from),
        );
      }
    }
    found
  }

  #[test]
  fn sibling_paths_are_found_in_every_form() {
    let source = "use super::a::B;\nuse super::{c::D, e};\n\
      fn f() { crate::server::g::h(); super::i::J }\n\
      #[cfg(test)]\nmod tests {\n  use super::k;\n}\nuse super::l;\n";
    assert_eq!(siblings(source), ["a", "c", "e", "i", "l", "g"]);
  }

  #[test]
  fn files_use_only_the_layers_below_them() {
    let dir =
      std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/server");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
      .expect("src/server")
      .filter_map(|e| e.ok()?.file_name().into_string().ok())
      .filter_map(|name| name.strip_suffix(".rs").map(String::from))
      .filter(|name| name != "mod")
      .collect();
    files.sort();
    let mut listed: Vec<String> =
      LAYERS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(files, listed, "every file of src/server is in LAYERS once");
    let mut wrong = Vec::new();
    for (level, file) in LAYERS.iter().enumerate() {
      let source = std::fs::read_to_string(dir.join(format!("{file}.rs")))
        .expect("a server file");
      for name in siblings(&source) {
        match LAYERS.iter().position(|l| *l == name) {
          Some(at) if at < level => {}
          Some(_) => {
            wrong.push(format!("{file} uses {name}, which is not below it"))
          }
          // `super::super::` would reach past what the scan can check.
          None if name == "super" => {
            wrong.push(format!("{file} uses super::super::"));
          }
          // `super::Foo` naming an item of mod.rs, or not a file at all.
          None => {}
        }
      }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
  }
}
