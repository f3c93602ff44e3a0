//! Bun's utilities (issue 17): hashing, passwords, the small helpers,
//! console formatting and Bun.redis. Each fixture's `.out` file is what Bun
//! 1.4.4 prints for the same script (`bun <fixture>`), so these tests
//! compare rt with Bun line by line.

use crate::common;

use crate::common::redis::RedisServer;
use crate::common::*;

fn expected(name: &str) -> String {
  std::fs::read_to_string(fixture(&format!("bun_utils/{name}")))
    .expect("expected output")
}

#[test]
fn crypto_hasher_sha_and_bun_hash_match_bun() {
  let out = run_fixture("bun_utils/hash.js", &[]);
  assert_stdout(&out, &expected("hash.out"));
}

#[test]
fn password_hashes_verify_both_ways_and_fail_as_bun_does() {
  let out = run_fixture("bun_utils/password.js", &[]);
  assert_stdout(&out, &expected("password.out"));
}

#[test]
fn small_helpers_match_bun() {
  let out = run_fixture("bun_utils/utils.js", &[]);
  assert_stdout(&out, &expected("utils.out"));
}

#[test]
fn console_log_and_bun_inspect_print_as_bun_does() {
  let out = run_fixture("bun_utils/inspect.js", &[]);
  assert_stdout(&out, &expected("inspect.out"));
}

/// Errors: Bun's head line (`error: ...` for a plain Error, `Name: ...`
/// otherwise), extra properties, the frames, then the cause. Bun also
/// prints source lines above; rt does not.
#[test]
fn errors_print_with_frames_and_cause() {
  let out = run_fixture("bun_utils/errors.js", &[]);
  assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
  let text = out.stdout;
  let blocks: Vec<&str> = text.split("----\n").collect();
  assert_eq!(blocks.len(), 4, "{text}");
  assert!(
    blocks[0].starts_with("error: boom\n      at "),
    "{}",
    blocks[0]
  );
  assert!(blocks[0].contains("errors.js:"), "{}", blocks[0]);
  assert!(
    blocks[1].starts_with("E2: bad\n code: \"X\"\n\n      at "),
    "{}",
    blocks[1]
  );
  assert!(
    blocks[2].starts_with("error: outer\n      at "),
    "{}",
    blocks[2]
  );
  assert!(
    blocks[2].contains("\n\nTypeError: inner\n      at "),
    "{}",
    blocks[2]
  );
  assert!(
    blocks[3].starts_with("{\n  err: error: x\n"),
    "{}",
    blocks[3]
  );
}

#[test]
fn bun_object_has_every_utility_of_the_issue() {
  let out = run_fixture("bun_utils/keys.js", &[]);
  assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
  assert_eq!(out.stdout, "missing: none\n");
}

#[test]
fn bun_redis_talks_to_a_real_redis_as_bun_does() {
  let redis = RedisServer::start();
  let url = redis.url();
  let mut cmd = rt_command();
  cmd
    .args([
      "run",
      &fixture("bun_utils/redis.js").to_string_lossy(),
      &url,
    ])
    .env("REDIS_URL", &url);
  let out = run_command(cmd);
  assert_stdout(&out, &expected("redis.out"));
}

/// A client keeps working across a server restart: the command made while
/// the server is down waits for the reconnect (with backoff) and succeeds.
#[test]
fn bun_redis_reconnects_after_the_server_restarts() {
  let redis = RedisServer::start();
  let port = redis.port;
  let mut cmd = rt_command();
  cmd.args([
    "run",
    &fixture("bun_utils/redis_reconnect.js").to_string_lossy(),
    &redis.url(),
  ]);
  let served = Served::spawn_command(cmd);
  served.wait_for_line("first: OK");
  redis.stop();
  served.wait_for_line("stopped");
  let restarted = RedisServer::start_on(port);
  let out = served.wait();
  drop(restarted);
  assert_eq!(
    out.code, 0,
    "stdout:\n{}\nstderr:\n{}",
    out.stdout, out.stderr
  );
  assert!(
    out.stdout.contains("after restart: OK v2"),
    "{}",
    out.stdout
  );
}

/// `rediss://` goes over rt's rustls: a server with a certificate made now
/// is reached when its CA is given (`tls: { ca }`) and refused otherwise.
#[test]
fn bun_redis_speaks_tls_with_a_given_ca() {
  let set = common::certs::pem_set(&["localhost"]);
  let dir =
    std::env::temp_dir().join(format!("rt-redis-tls-{}", std::process::id()));
  std::fs::create_dir_all(&dir).expect("temp dir");
  let (cert, key, ca) = (
    dir.join("cert.pem"),
    dir.join("key.pem"),
    dir.join("ca.pem"),
  );
  std::fs::write(&cert, &set.cert).expect("cert");
  std::fs::write(&key, &set.key).expect("key");
  std::fs::write(&ca, &set.ca).expect("ca");
  let redis = RedisServer::start_tls(&cert, &key);
  let url = format!("rediss://localhost:{}", redis.port);
  let out =
    run_fixture("bun_utils/redis_tls.js", &[&url, &ca.to_string_lossy()]);
  let _ = std::fs::remove_dir_all(&dir);
  assert_eq!(out.code, 0, "stderr:\n{}", out.stderr);
  assert_eq!(
    out.stdout,
    "tls: OK secret\nuntrusted: RedisError ERR_REDIS_CONNECTION_CLOSED\n"
  );
}

/// `import { CryptoHasher, password, ... } from "bun"` gives stand-ins
/// until first use (so the import does not load them); they construct,
/// subclass, answer `instanceof` and call through as Bun's members do.
#[test]
fn utilities_imported_from_bun_behave_as_buns() {
  let out = run_fixture("bun_utils/bun_module.js", &[]);
  assert_stdout(&out, &expected("bun_module.out"));
}
