//! rt's deno_core extensions, one per area, each with its ops and its
//! scripts beside them (see `README.md` here for the scripts' load bands):
//!
//! | extension | area |
//! |---|---|
//! | `rt_web` | globals: deno_web's classes, errors, `process`, `console`, timers, `crypto`, `structuredClone`, Web Workers |
//! | `rt_net` | TCP and Unix sockets (ops only) |
//! | `rt_node` | Node's built-in modules, `require` |
//! | `rt_http` | Headers, FormData, bodies, Request, Response, `Bun.file`, `fetch`, EventSource |
//! | `rt_ws` | WebSockets by id, and the `WebSocket` client |
//! | `rt_serve` | `Bun.serve`, its WebSocket side |
//! | `rt_bun` | the `Bun` global and `bun` module (from [`surface`]), Bun's utilities, Bun.redis, sockets |
//! | `rt_test` | `bun:test` under `rt test` |
//!
//! deno_web and deno_webidl only register their scripts; `web/00_web.js`
//! installs their classes as lazy globals so that a script pays only for the
//! web APIs it touches.

pub mod bun;
pub mod http;
pub mod net;
pub mod node;
pub mod serve;
pub mod surface;
pub mod test;
pub mod web;
pub mod ws;

use std::sync::Arc;

use ::http::HeaderMap;
use deno_core::ByteString;
use deno_core::Extension;
use deno_core::ExtensionFileSource;

use self::serve::state::ServeOverrides;
use self::web::process::ProcessState;

/// The scripts beside each extension's ops, listed by `build.rs`.
mod files {
  include!(concat!(env!("OUT_DIR"), "/js_files.rs"));
}

/// Header pairs from JS as a `HeaderMap` (order and repeats kept); the
/// error is the name of the first header HTTP cannot carry.
pub(crate) fn header_map(
  list: Vec<(ByteString, ByteString)>,
) -> Result<HeaderMap, String> {
  crate::util::headers::from_pairs(list).map_err(|bad| bad.into_name())
}

/// Runs `work` on tokio's blocking pool, off the event loop; a task that
/// panicked or was cancelled becomes the error `lost` makes of its message.
pub(crate) async fn off_thread<T: Send + 'static, E: Send + 'static>(
  work: impl FnOnce() -> Result<T, E> + Send + 'static,
  lost: impl FnOnce(String) -> E,
) -> Result<T, E> {
  tokio::task::spawn_blocking(work)
    .await
    .unwrap_or_else(|e| Err(lost(e.to_string())))
}

/// Gives a page's runtime its URL where deno_web reads it (the origin of
/// the `blob:` URLs `URL.createObjectURL` makes).
pub fn set_location(state: &mut deno_core::OpState, url: url::Url) {
  state.put(deno_web::Location(url));
}

/// Every extension a runtime needs, in load order. `serve` carries the
/// `rt serve` flags (none under `rt run`).
pub fn extensions(
  process: ProcessState,
  serve: Option<ServeOverrides>,
) -> Vec<Extension> {
  vec![
    deno_webidl::deno_webidl::init(),
    deno_web::deno_web::init(
      Arc::new(deno_web::BlobStore::default()),
      None,
      false,
      deno_web::InMemoryBroadcastChannel::default(),
    ),
    web::rt_web::init(process),
    net::rt_net::init(),
    node::rt_node::init(),
    http::rt_http::init(),
    ws::rt_ws::init(),
    serve::rt_serve::init(serve),
    bun::rt_bun::init(),
    test::rt_test::init(),
  ]
}

/// Sets an extension's lazily loaded modules: the scripts beside its ops,
/// under the public specifiers the surface table gives some (`node:fs`).
fn with_scripts(ext: &mut Extension, scripts: &[ExtensionFileSource]) {
  ext.lazy_loaded_esm_files = std::borrow::Cow::Owned(
    scripts
      .iter()
      .map(|file| {
        let mut file = file.clone();
        if let Some(specifier) = surface::specifier_of_file(file.specifier) {
          file.specifier = specifier;
        }
        file
      })
      .collect(),
  );
}

#[cfg(test)]
mod tests {
  use std::collections::HashMap;
  use std::path::Path;

  use super::files::AREAS;

  /// One script: its extension's place in the load order, its number
  /// (`None`: loaded on first use), its source.
  struct Script {
    area: usize,
    number: Option<u32>,
    source: String,
  }

  fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ext")
  }

  /// Every script by specifier (`ext:rt_web/00_web.js`), and the public
  /// specifiers the surface table gives some, as aliases of theirs.
  fn scripts() -> (HashMap<String, Script>, HashMap<String, String>) {
    let mut scripts = HashMap::new();
    let mut aliases = HashMap::new();
    for (area, (name, _)) in AREAS.iter().enumerate() {
      let entries =
        std::fs::read_dir(root().join(name)).expect("an area folder");
      for entry in entries {
        let path = entry.expect("a directory entry").path();
        let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
          continue;
        };
        if !file.ends_with(".js") {
          continue;
        }
        let specifier = format!("ext:rt_{name}/{file}");
        let number = file
          .split_once('_')
          .and_then(|(n, _)| (n.len() == 2).then(|| n.parse().ok()).flatten());
        let source = std::fs::read_to_string(&path).expect("a script");
        if let Some(public) = super::surface::specifier_of_file(&specifier) {
          aliases.insert(public.to_string(), specifier.clone());
        }
        scripts.insert(
          specifier,
          Script {
            area,
            number,
            source,
          },
        );
      }
    }
    (scripts, aliases)
  }

  /// Which extension registers each of rt's ops, from the `ops = [...]`
  /// list in each area's `mod.rs`.
  fn op_areas() -> HashMap<String, usize> {
    let mut areas = HashMap::new();
    for (area, (name, _)) in AREAS.iter().enumerate() {
      let source = std::fs::read_to_string(root().join(name).join("mod.rs"))
        .expect("an area's mod.rs");
      let Some(list) = source
        .split_once("ops = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
      else {
        continue;
      };
      for entry in list.split(',') {
        if let Some(op) = entry.trim().rsplit("::").next()
          && op.starts_with("op_")
        {
          areas.insert(op.to_string(), area);
        }
      }
    }
    areas
  }

  /// What a script imports statically: `(specifier, names)` per `import`
  /// or `export ... from` statement at the start of a line.
  fn imports(source: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    for keyword in ["import ", "export "] {
      let mut rest = source;
      while let Some(at) = rest.find(keyword) {
        let at_line_start = at == 0 || rest[..at].ends_with('\n');
        rest = &rest[at + keyword.len()..];
        if !at_line_start {
          continue;
        }
        let Some(end) = rest.find(';') else { break };
        let statement = &rest[..end];
        if keyword == "export " && !statement.contains(" from ") {
          continue;
        }
        let Some(open) = statement.rfind('"') else {
          continue;
        };
        let Some(start) = statement[..open].rfind('"') else {
          continue;
        };
        let names = statement
          .split_once('{')
          .and_then(|(_, names)| names.split_once('}'))
          .map(|(names, _)| {
            names
              .split(',')
              .map(|n| n.trim().split(" as ").next().unwrap_or("").to_string())
              .filter(|n| !n.is_empty())
              .collect()
          })
          .unwrap_or_default();
        found.push((statement[start + 1..open].to_string(), names));
      }
    }
    found
  }

  #[test]
  fn scripts_are_ascii() {
    let (scripts, _) = scripts();
    let mut bad: Vec<&String> = scripts
      .iter()
      .filter(|(_, s)| !s.source.is_ascii())
      .map(|(specifier, _)| specifier)
      .collect();
    bad.sort();
    assert!(bad.is_empty(), "non-ASCII bytes in {bad:?}");
  }

  #[test]
  fn numbers_fall_in_their_extension_s_band() {
    let (scripts, _) = scripts();
    let mut wrong: Vec<String> = scripts
      .iter()
      .filter_map(|(specifier, script)| {
        let number = script.number?;
        match AREAS[script.area].1 {
          Some((first, last)) if (first..=last).contains(&number) => None,
          _ => Some(specifier.clone()),
        }
      })
      .collect();
    wrong.sort();
    assert!(wrong.is_empty(), "numbers outside their bands: {wrong:?}");
  }

  #[test]
  fn imports_point_to_lower_numbers_and_earlier_extensions() {
    let (scripts, aliases) = scripts();
    let ops = op_areas();
    let mut wrong = Vec::new();
    for (specifier, script) in &scripts {
      for (import, names) in imports(&script.source) {
        if import == "ext:core/ops" {
          // An op of a later extension is a dependency on it too.
          for name in names {
            if ops.get(&name).is_some_and(|area| *area > script.area) {
              wrong.push(format!("{specifier} uses {name}"));
            }
          }
          continue;
        }
        if import.starts_with("ext:core/") || import.starts_with("ext:deno_") {
          continue;
        }
        let target = aliases.get(&import).unwrap_or(&import);
        let Some(imported) = scripts.get(target) else {
          wrong
            .push(format!("{specifier} imports {import}, which is no script"));
          continue;
        };
        let fine = imported.area <= script.area
          && target != specifier
          && match (script.number, imported.number) {
            (Some(from), Some(to)) => to < from,
            // The snapshot's modules never import what loads on first use.
            (Some(_), None) => false,
            (None, _) => true,
          };
        if !fine {
          wrong.push(format!("{specifier} imports {import}"));
        }
      }
    }
    wrong.sort();
    assert!(
      wrong.is_empty(),
      "imports against the bands:\n{}",
      wrong.join("\n")
    );
  }

  #[test]
  fn the_import_scanner_reads_every_form() {
    let source = "import { a } from \"ext:x/1.js\";\nimport {\n  b as c,\n} from \"node:y\";\n\
      import \"ext:z/2.js\";\nexport { d } from \"ext:w/3.js\";\nexport { e };\n\
      const s = \"import x from 'no'\";\n";
    let found = imports(source);
    let specifiers: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(
      specifiers,
      ["ext:x/1.js", "node:y", "ext:z/2.js", "ext:w/3.js"]
    );
    assert_eq!(found[1].1, ["b"]);
  }

  #[test]
  fn every_op_of_the_extensions_is_found_by_the_test() {
    let ops = op_areas();
    assert!(ops.contains_key("op_rt_error_codes"), "rt_web's ops");
    assert!(ops.contains_key("op_bun_surface"), "rt_bun's ops");
    assert!(ops.contains_key("op_net_lookup"), "rt_net's ops");
  }
}
