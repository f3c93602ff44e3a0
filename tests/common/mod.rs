//! Helpers for tests that run the `rt` binary on fixture scripts.
#![allow(dead_code, reason = "each test crate uses a different subset")]

use std::io::Read as _;
use std::path::Path;
use std::path::PathBuf;
use std::process::Command;
use std::process::Stdio;
use std::time::Duration;

use wait_timeout::ChildExt as _;

/// No fixture may take longer than this; a hang fails the test instead of CI.
const DEADLINE: Duration = Duration::from_secs(30);

/// What a run of `rt` printed and how it exited.
#[derive(Debug)]
pub struct Output {
  pub stdout: String,
  pub stderr: String,
  pub code: i32,
}

/// The path of a file under `tests/fixtures`.
pub fn fixture(path: &str) -> PathBuf {
  Path::new(env!("CARGO_MANIFEST_DIR"))
    .join("tests/fixtures")
    .join(path)
}

/// A `Command` for the rt binary with colours off.
pub fn rt_command() -> Command {
  let mut cmd = Command::new(env!("CARGO_BIN_EXE_rt"));
  cmd.env("NO_COLOR", "1").env_remove("FORCE_COLOR");
  cmd
}

/// Runs `rt` with the arguments in `dir` and waits for it (with a deadline).
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
  let mut cmd = rt_command();
  cmd.args(args).current_dir(dir);
  run_command(cmd)
}

/// Runs a prepared command to completion (with a deadline) and collects its output.
pub fn run_command(mut cmd: Command) -> Output {
  let mut child = cmd
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("spawn rt");
  let mut stdout = child.stdout.take().expect("stdout");
  let mut stderr = child.stderr.take().expect("stderr");
  let out_reader = std::thread::spawn(move || {
    let mut s = String::new();
    stdout.read_to_string(&mut s).map(|_| s)
  });
  let err_reader = std::thread::spawn(move || {
    let mut s = String::new();
    stderr.read_to_string(&mut s).map(|_| s)
  });
  let status = match child.wait_timeout(DEADLINE).expect("wait") {
    Some(status) => status,
    None => {
      let _ = child.kill();
      let _ = child.wait();
      panic!("rt did not finish within {DEADLINE:?}");
    }
  };
  Output {
    stdout: out_reader.join().unwrap().expect("read stdout"),
    stderr: err_reader.join().unwrap().expect("read stderr"),
    code: status.code().unwrap_or(-1),
  }
}

/// Runs `rt run <fixture> [args]` from the fixtures directory.
pub fn run_fixture(path: &str, args: &[&str]) -> Output {
  let mut all = vec!["run", path];
  all.extend_from_slice(args);
  run_in(&fixture(""), &all)
}

/// Asserts a run succeeded and printed exactly `expected` on stdout.
#[track_caller]
pub fn assert_stdout(out: &Output, expected: &str) {
  assert_eq!(out.code, 0, "exit code; stderr:\n{}", out.stderr);
  assert_eq!(out.stdout, expected, "stdout; stderr:\n{}", out.stderr);
}
