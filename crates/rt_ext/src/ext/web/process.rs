//! Ops behind `process` and the process-level parts of `Bun`.

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Write as _;
use std::time::Instant;

use deno_core::OpState;
use deno_core::op2;
use serde::Serialize;

/// What the script was started with; put in `OpState` by the runtime.
pub struct ProcessState {
  /// `process.argv`: the rt binary, the main script path, then the script's arguments.
  pub argv: Vec<String>,
  /// Absolute path of the entry script (`Bun.main`), if any.
  pub main: Option<String>,
  /// `process.exitCode`, mirrored here so the runtime can read it at exit.
  pub exit_code: Cell<i32>,
  /// Origin for `Bun.nanoseconds()`.
  pub started: Instant,
  /// `process.env` of a worker given an `env` option (else the process's).
  pub env: Option<HashMap<String, String>>,
}

impl ProcessState {
  /// A state for a script run with the given arguments.
  pub fn new(argv: Vec<String>, main: Option<String>) -> Self {
    Self {
      argv,
      main,
      exit_code: Cell::new(0),
      started: Instant::now(),
      env: None,
    }
  }
}

/// Static facts about the process, fetched once when JS first asks.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessInfo {
  argv: Vec<String>,
  main: Option<String>,
  exec_path: String,
  cwd: String,
  pid: u32,
  ppid: u32,
  platform: &'static str,
  arch: &'static str,
}

/// argv, main, pid, platform... for `process` and `Bun`, in one call.
#[op2]
#[serde]
pub(crate) fn op_rt_process_info(state: &mut OpState) -> ProcessInfo {
  let process = state.borrow::<ProcessState>();
  ProcessInfo {
    argv: process.argv.clone(),
    main: process.main.clone(),
    exec_path: std::env::current_exe()
      .map(|p| p.display().to_string())
      .unwrap_or_default(),
    cwd: std::env::current_dir()
      .map(|p| p.display().to_string())
      .unwrap_or_default(),
    pid: std::process::id(),
    ppid: std::os::unix::process::parent_id(),
    // Node's names, which Bun reports too.
    platform: match std::env::consts::OS {
      "macos" => "darwin",
      "windows" => "win32",
      other => other,
    },
    arch: match std::env::consts::ARCH {
      "x86_64" => "x64",
      "aarch64" => "arm64",
      other => other,
    },
  }
}

/// The environment as a plain map: `process.env` is a snapshot taken on first use.
#[op2]
#[serde]
pub(crate) fn op_rt_env(state: &mut OpState) -> HashMap<String, String> {
  if let Some(env) = &state.borrow::<ProcessState>().env {
    return env.clone();
  }
  std::env::vars_os()
    .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
    .collect()
}

/// `process.exitCode = code`: the code rt exits with.
#[op2(fast)]
pub(crate) fn op_rt_set_exit_code(state: &mut OpState, #[smi] code: i32) {
  state.borrow::<ProcessState>().exit_code.set(code);
}

/// `process.exit(code)`: flushes what was printed and leaves at once, as Bun
/// does. Inside a worker it ends the worker instead.
#[op2(fast)]
pub(crate) fn op_rt_exit(state: &mut OpState, #[smi] code: i32) {
  if let Some(scope) = state.try_borrow::<super::worker::WorkerScope>() {
    scope.control.terminate(code);
    return;
  }
  let _ = std::io::stdout().flush();
  let _ = std::io::stderr().flush();
  std::process::exit(code);
}

/// Nanoseconds since the process started (`Bun.nanoseconds()`).
#[op2(fast)]
pub(crate) fn op_rt_nanoseconds(state: &mut OpState) -> f64 {
  state.borrow::<ProcessState>().started.elapsed().as_nanos() as f64
}

/// Whether the file descriptor is a terminal (colours in console output).
#[op2(fast)]
pub(crate) fn op_rt_isatty(#[smi] fd: i32) -> bool {
  // SAFETY: isatty only inspects the descriptor number.
  unsafe { libc::isatty(fd) == 1 }
}

/// Resident set size in bytes, from /proc/self/statm (0 where unavailable).
#[op2(fast)]
pub(crate) fn op_rt_rss() -> f64 {
  let pages = std::fs::read_to_string("/proc/self/statm")
    .ok()
    .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
    .unwrap_or(0);
  // SAFETY: sysconf has no preconditions.
  let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(0) as u64;
  (pages * page_size) as f64
}
