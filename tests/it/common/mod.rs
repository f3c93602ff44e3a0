//! Helpers for tests that run the `rt` binary on fixture scripts.

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
pub(crate) struct Output {
  pub stdout: String,
  pub stderr: String,
  pub code: i32,
}

/// The path of a file under `tests/fixtures`.
pub(crate) fn fixture(path: &str) -> PathBuf {
  Path::new(env!("CARGO_MANIFEST_DIR"))
    .join("tests/fixtures")
    .join(path)
}

/// A `Command` for the rt binary with colours off.
pub(crate) fn rt_command() -> Command {
  let mut cmd = Command::new(env!("CARGO_BIN_EXE_rt"));
  cmd.env("NO_COLOR", "1").env_remove("FORCE_COLOR");
  cmd
}

/// `rt` in the fixtures directory trusting only its built-in roots (no
/// CA from `NODE_EXTRA_CA_CERTS` / `SSL_CERT_FILE`), for TLS tests.
pub(crate) fn rt_without_env_cas() -> Command {
  let mut cmd = rt_command();
  cmd
    .current_dir(fixture(""))
    .env_remove("NODE_EXTRA_CA_CERTS")
    .env_remove("SSL_CERT_FILE");
  cmd
}

/// Runs `rt` with the arguments in `dir` and waits for it (with a deadline).
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> Output {
  let mut cmd = rt_command();
  cmd.args(args).current_dir(dir);
  run_command(cmd)
}

/// Runs a prepared command to completion (with a deadline) and collects its output.
pub(crate) fn run_command(mut cmd: Command) -> Output {
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
pub(crate) fn run_fixture(path: &str, args: &[&str]) -> Output {
  let mut all = vec!["run", path];
  all.extend_from_slice(args);
  run_in(&fixture(""), &all)
}

/// Asserts a run succeeded and printed exactly `expected` on stdout.
#[track_caller]
pub(crate) fn assert_stdout(out: &Output, expected: &str) {
  assert_eq!(out.code, 0, "exit code; stderr:\n{}", out.stderr);
  assert_eq!(out.stdout, expected, "stdout; stderr:\n{}", out.stderr);
}

pub(crate) mod certs;
pub(crate) mod http;
pub(crate) mod loopback;
pub(crate) mod redis;
pub(crate) mod ws;

use std::io::BufRead as _;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::mpsc;

/// A running `rt` process that serves HTTP, killed when dropped.
pub(crate) struct Served {
  child: Option<std::process::Child>,
  /// The port it announced.
  pub port: u16,
  output: Arc<Mutex<(String, String)>>,
  printed: Arc<std::sync::Condvar>,
  readers: Vec<std::thread::JoinHandle<()>>,
}

/// Finds the port in `Listening on http(s)://host:PORT/` or `PORT=NNN`.
fn port_in(line: &str) -> Option<u16> {
  if let Some(rest) = line.strip_prefix("PORT=") {
    return rest.trim().parse().ok();
  }
  let rest = line
    .strip_prefix("Listening on http://")
    .or_else(|| line.strip_prefix("Listening on https://"))?;
  let host_port = rest.trim_end().trim_end_matches('/');
  host_port.rsplit(':').next()?.parse().ok()
}

impl Served {
  /// `rt serve --port 0 <fixture>`, waiting for the announced port.
  pub(crate) fn serve(path: &str) -> Served {
    Served::spawn(&["serve", "--port", "0", path], &[])
  }

  /// Runs `rt` with arguments from the fixtures directory and waits until
  /// it prints a port (`Listening on ...` or `PORT=n`).
  pub(crate) fn spawn(args: &[&str], envs: &[(&str, &str)]) -> Served {
    let mut cmd = rt_command();
    cmd.args(args).current_dir(fixture(""));
    for (k, v) in envs {
      cmd.env(k, v);
    }
    Served::spawn_command(cmd)
  }

  /// Runs a prepared `rt` command and waits until it prints a port.
  pub(crate) fn spawn_command(mut cmd: Command) -> Served {
    let mut child = cmd
      .stdin(Stdio::null())
      .stdout(Stdio::piped())
      .stderr(Stdio::piped())
      .spawn()
      .expect("spawn rt");
    let output = Arc::new(Mutex::new((String::new(), String::new())));
    let printed = Arc::new(std::sync::Condvar::new());
    let (tx, rx) = mpsc::channel();
    let mut readers = Vec::new();
    let stdout = child.stdout.take().expect("stdout");
    let stderr = child.stderr.take().expect("stderr");
    for (index, stream) in [
      (0, Box::new(stdout) as Box<dyn std::io::Read + Send>),
      (1, Box::new(stderr)),
    ] {
      let output = output.clone();
      let printed = printed.clone();
      let tx = tx.clone();
      readers.push(std::thread::spawn(move || {
        let reader = std::io::BufReader::new(stream);
        for line in reader.lines() {
          let Ok(line) = line else { break };
          {
            let mut out = output.lock().unwrap();
            let target = if index == 0 { &mut out.0 } else { &mut out.1 };
            target.push_str(&line);
            target.push('\n');
          }
          printed.notify_all();
          // After recording the line, so output() includes it.
          if let Some(port) = port_in(&line) {
            let _ = tx.send(port);
          }
        }
      }));
    }
    drop(tx);
    let port = match rx.recv_timeout(DEADLINE) {
      Ok(port) => port,
      Err(_) => {
        let _ = child.kill();
        let _ = child.wait();
        let out = output.lock().unwrap();
        panic!(
          "rt printed no port.\nstdout:\n{}\nstderr:\n{}",
          out.0, out.1
        );
      }
    };
    Served {
      child: Some(child),
      port,
      output,
      printed,
      readers,
    }
  }

  /// Waits (up to the deadline) until stdout has a line starting with
  /// `prefix`; returns that line.
  pub(crate) fn wait_for_line(&self, prefix: &str) -> String {
    let started = std::time::Instant::now();
    let mut out = self.output.lock().unwrap();
    loop {
      if let Some(line) = out.0.lines().find(|l| l.starts_with(prefix)) {
        return line.to_string();
      }
      let left = DEADLINE.saturating_sub(started.elapsed());
      if left.is_zero() {
        panic!(
          "no line starting with {prefix:?}.\nstdout:\n{}\nstderr:\n{}",
          out.0, out.1
        );
      }
      out = self.printed.wait_timeout(out, left).unwrap().0;
    }
  }

  /// What the process printed so far: (stdout, stderr).
  pub(crate) fn output(&self) -> (String, String) {
    self.output.lock().unwrap().clone()
  }

  /// Sends a signal to the process.
  pub(crate) fn signal(&self, signal: i32) {
    if let Some(child) = &self.child {
      // SAFETY: kill(2) on our own child's pid.
      unsafe { libc::kill(child.id() as i32, signal) };
    }
  }

  /// Waits for the process to exit (with the deadline); returns its output.
  pub(crate) fn wait(mut self) -> Output {
    let mut child = self.child.take().expect("child");
    let status = match child.wait_timeout(DEADLINE).expect("wait") {
      Some(status) => status,
      None => {
        let _ = child.kill();
        let _ = child.wait();
        panic!("rt did not exit within {DEADLINE:?}");
      }
    };
    for reader in self.readers.drain(..) {
      let _ = reader.join();
    }
    let (stdout, stderr) = self.output();
    Output {
      stdout,
      stderr,
      code: status.code().unwrap_or(-1),
    }
  }

  /// SIGTERM, then wait.
  pub(crate) fn stop(self) -> Output {
    self.signal(libc::SIGTERM);
    self.wait()
  }
}

impl Drop for Served {
  fn drop(&mut self) {
    if let Some(mut child) = self.child.take() {
      let _ = child.kill();
      let _ = child.wait();
    }
  }
}

/// The Python with the test packages (`h2`, `hyperframe`, `grpcio`) that
/// `.ci/deps` installs into `target/pyenv`.
pub(crate) fn python() -> Command {
  let path =
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python");
  assert!(
    path.exists(),
    "{} is missing: run .ci/deps (it makes the venv with the test packages)",
    path.display()
  );
  let mut cmd = Command::new(path);
  cmd.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python"));
  cmd
}

/// A fresh directory under `target/` (ignored by git) with `packages`
/// installed from the npm registry, for tests of real packages.
pub(crate) fn npm_project(name: &str, packages: &[&str]) -> PathBuf {
  let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
  let _ = std::fs::remove_dir_all(&dir);
  std::fs::create_dir_all(&dir).expect("temp dir");
  std::fs::write(
    dir.join("package.json"),
    format!(r#"{{ "name": "rt-{name}", "private": true }}"#),
  )
  .expect("package.json");
  let status = Command::new("npm")
    .args([
      "install",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--loglevel=error",
    ])
    .args(packages)
    .current_dir(&dir)
    .status()
    .expect("npm must be installed (.ci/deps installs it)");
  assert!(status.success(), "npm install {packages:?} failed");
  dir
}
