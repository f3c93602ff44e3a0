//! A real `redis-server` (Debian's, installed by `.ci/deps`) on a free
//! loopback port, stopped by its pid when dropped.

use std::io::BufRead as _;
use std::process::Child;
use std::process::Command;
use std::process::Stdio;

/// A running redis-server.
pub(crate) struct RedisServer {
  child: Child,
  /// Its port on 127.0.0.1.
  pub port: u16,
}

impl RedisServer {
  /// Starts redis-server on a free port; returns once it accepts connections.
  pub(crate) fn start() -> Self {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
      .and_then(|l| l.local_addr())
      .expect("free port")
      .port();
    Self::start_on(port)
  }

  /// Starts redis-server on `port` (a restart on the same port).
  pub(crate) fn start_on(port: u16) -> Self {
    Self::start_with(port, &["--port", &port.to_string()])
  }

  /// Starts redis-server speaking only TLS on a free port, with the PEM
  /// certificate and key files given (clients are not asked for one).
  pub(crate) fn start_tls(
    cert: &std::path::Path,
    key: &std::path::Path,
  ) -> Self {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
      .and_then(|l| l.local_addr())
      .expect("free port")
      .port();
    Self::start_with(
      port,
      &[
        "--port",
        "0",
        "--tls-port",
        &port.to_string(),
        "--tls-cert-file",
        &cert.to_string_lossy(),
        "--tls-key-file",
        &key.to_string_lossy(),
        "--tls-auth-clients",
        "no",
      ],
    )
  }

  fn start_with(port: u16, listen: &[&str]) -> Self {
    let mut child = Command::new("redis-server")
      .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
      .args(listen)
      .stdout(Stdio::piped())
      .stderr(Stdio::null())
      .spawn()
      .expect("redis-server must be installed (.ci/deps installs it)");
    let stdout = child.stdout.take().expect("stdout");
    // Redis says so when it is ready; a closed pipe means it exited.
    let ready = std::io::BufReader::new(stdout)
      .lines()
      .map_while(Result::ok)
      .any(|line| line.contains("Ready to accept connections"));
    assert!(ready, "redis-server did not start on port {port}");
    Self { child, port }
  }

  /// The redis:// URL.
  pub(crate) fn url(&self) -> String {
    format!("redis://127.0.0.1:{}", self.port)
  }

  /// Stops it (by its pid) and waits until it has exited.
  pub(crate) fn stop(mut self) {
    self.kill();
  }

  fn kill(&mut self) {
    let _ = self.child.kill();
    let _ = self.child.wait();
  }
}

impl Drop for RedisServer {
  fn drop(&mut self) {
    self.kill();
  }
}
