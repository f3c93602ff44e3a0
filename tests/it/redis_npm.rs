//! A database driver from npm on rt's TCP sockets: ioredis, installed at
//! test time, against a real `redis-server` (Debian's, installed by
//! `.ci/deps`) started on a free loopback port and stopped by its pid.

use std::path::PathBuf;

use crate::common::redis::RedisServer;
use crate::common::*;

fn project() -> PathBuf {
  let dir = npm_project("npm-redis", &["ioredis@5"]);
  std::fs::write(
    dir.join("redis.mjs"),
    include_str!("../fixtures/npm/redis.mjs"),
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
