//! Builds rt's startup snapshot: the engine heap after deno_webidl, deno_web
//! and rt's own JS have been evaluated, so `rt` starts without compiling any
//! of them (about 30 ms -> under 10 ms on QuickJS).

use std::path::PathBuf;

use deno_core::ExtensionFileSourceCode;
use deno_core::snapshot::CreateSnapshotOptions;
use deno_core::snapshot::create_snapshot;

// The extension (ops and JS list) comes from rt_ext, the crate the binary
// registers too, so the snapshot holds exactly what the binary registers.
use rt_ext::ext;

fn main() {
  let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
  let extensions =
    ext::extensions(ext::web::process::ProcessState::new(vec![], None), None);
  // Every lazy script and module read from a file, by specifier, with the
  // path its source is read from (deno_web's scripts, rt's modules).
  let from_files = |files: &[deno_core::ExtensionFileSource]| {
    files
      .iter()
      .filter_map(|file| match file.code {
        ExtensionFileSourceCode::LoadedFromFsDuringSnapshot(path) => {
          Some((file.specifier, path))
        }
        _ => None,
      })
      .collect::<Vec<(&'static str, &'static str)>>()
  };
  let lazy_scripts: Vec<(&'static str, &'static str)> = extensions
    .iter()
    .flat_map(|e| from_files(&e.lazy_loaded_js_files))
    .collect();
  let lazy_modules: Vec<(&'static str, &'static str)> = extensions
    .iter()
    .flat_map(|e| from_files(&e.lazy_loaded_esm_files))
    .collect();
  let output = create_snapshot(
    CreateSnapshotOptions {
      cargo_manifest_dir: env!("CARGO_MANIFEST_DIR"),
      startup_snapshot: None,
      skip_op_registration: false,
      extensions,
      extension_transpiler: None,
      with_runtime_cb: None,
    },
    None,
  )
  .expect("creating the startup snapshot failed");
  std::fs::write(out_dir.join("RT_SNAPSHOT.bin"), &output.output)
    .expect("writing the snapshot");
  // Lazy scripts and modules evaluated while snapshotting live in the
  // snapshot; the others are embedded in the binary, as the tables deno_core
  // looks them up in (sorted by specifier: they are searched by bisection).
  let residual = |mut files: Vec<(&'static str, &'static str)>| {
    files.retain(|(specifier, _)| {
      !output
        .consumed_lazy_specifiers
        .iter()
        .any(|c| c == specifier)
    });
    files.sort();
    let table = files
      .iter()
      .map(|(specifier, path)| {
        format!("({specifier:?}, include_str!({path:?})),\n")
      })
      .collect::<String>();
    format!("&[\n{table}]")
  };
  std::fs::write(out_dir.join("residual_lazy.rs"), residual(lazy_scripts))
    .expect("writing the residual script table");
  std::fs::write(out_dir.join("residual_lazy_esm.rs"), residual(lazy_modules))
    .expect("writing the residual module table");
  for path in output.files_loaded_during_snapshot {
    println!("cargo:rerun-if-changed={}", path.display());
  }
  // rt_ext is a build dependency: cargo reruns this script when it changes.
  println!("cargo:rerun-if-changed=build.rs");
}
