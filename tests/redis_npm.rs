//! A database driver from npm on rt's TCP sockets: ioredis, installed at
//! test time, against a real `redis-server` (Debian's, installed by
//! `.ci/deps`) started on a free loopback port and stopped by its pid.

mod common;

use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::Child;
use std::process::Command;
use std::process::Stdio;

use common::*;

struct RedisServer {
  child: Child,
  port: u16,
}

impl RedisServer {
  /// Starts redis-server and returns once it accepts connections.
  fn start() -> Self {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
      .and_then(|l| l.local_addr())
      .expect("free port")
      .port();
    let mut child = Command::new("redis-server")
      .args([
        "--bind",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--save",
        "",
        "--appendonly",
        "no",
      ])
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
    assert!(ready, "redis-server did not start");
    Self { child, port }
  }
}

impl Drop for RedisServer {
  fn drop(&mut self) {
    let _ = self.child.kill();
    let _ = self.child.wait();
  }
}

fn project() -> PathBuf {
  let dir = npm_project("npm-redis", &["ioredis@5"]);
  std::fs::write(
    dir.join("redis.mjs"),
    include_str!("fixtures/npm/redis.mjs"),
  )
  .expect("write fixture");
  dir
}

#[test]
fn ioredis_from_npm_talks_to_a_real_redis() {
  let redis = RedisServer::start();
  let dir = project();
  let out = run_in(&dir, &["run", "redis.mjs", &redis.port.to_string()]);
  assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
  assert_eq!(
    out.stdout,
    "get: hello from rt\n\
     incr: 1 42\n\
     hgetall: {\"name\":\"ann\",\"role\":\"admin\"}\n\
     ttl>0: true\n\
     pipeline: [[null,\"OK\"],[null,\"1\"],[null,1]]\n\
     1 MiB round trip: true\n\
     subscribers: 1\n\
     message: news=rt speaks RESP\n\
     done\n"
  );
  assert!(out.stderr.is_empty(), "{}", out.stderr);
}
