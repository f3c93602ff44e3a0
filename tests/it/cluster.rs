//! `rt serve --workers N` (one port, shared pub/sub, crash restart, drain on
//! SIGTERM) and pub/sub across processes through a real redis-server.

use std::collections::HashSet;
use std::io::Read as _;
use std::io::Write as _;
use std::time::Duration;
use std::time::Instant;

use crate::common::http::get;
use crate::common::redis::RedisServer;
use crate::common::ws::RawWs;
use crate::common::*;

const APP: &str = "cluster/app.ts";
/// Upper bound on connections made while looking for a second replica: the
/// kernel spreads connections by a hash, so two replicas show up long before.
const TRIES: usize = 200;

fn serve_replicas(n: &str) -> Served {
  Served::spawn(&["serve", "--workers", n, "--port", "0", APP], &[])
}

fn serve_replicas_handoff(n: &str) -> Served {
  Served::spawn(
    &[
      "serve",
      "--workers",
      n,
      "--workers-accept",
      "handoff",
      "--port",
      "0",
      APP,
    ],
    &[],
  )
}

fn replica_of(port: u16) -> String {
  let response = get(port, "/");
  assert_eq!(response.status, 200, "{}", response.text());
  response.text()
}

/// As `replica_of`, but `None` when the connection is dropped unanswered:
/// connections queued on a replica that dies go with it (SO_REUSEPORT).
fn replica_of_or_dropped(port: u16) -> Option<String> {
  let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
  stream
    .set_read_timeout(Some(Duration::from_secs(10)))
    .ok()?;
  stream
    .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    .ok()?;
  let mut out = String::new();
  stream.read_to_string(&mut out).ok()?;
  let body = out.split("\r\n\r\n").nth(1)?;
  (out.starts_with("HTTP/1.1 200") && !body.is_empty())
    .then(|| body.to_string())
}

/// Connects until both replicas have answered (they start at about the same
/// time; only the first announces the port); returns their ids.
fn both_replicas(port: u16) -> HashSet<String> {
  let mut seen = HashSet::new();
  for _ in 0..TRIES {
    seen.insert(replica_of(port));
    if seen.len() == 2 {
      break;
    }
  }
  assert_eq!(seen.len(), 2, "connections reached one replica only");
  seen
}

/// `/crash` ends the replica that answers it (one of `seen`); the other keeps
/// serving, and the crashed one comes back as a new replica (a new id).
fn crash_one_and_see_it_replaced(port: u16, seen: &HashSet<String>) {
  let crashed = get(port, "/crash").text();
  assert!(seen.contains(&crashed));
  let mut replacement = None;
  for _ in 0..TRIES * 5 {
    let Some(id) = replica_of_or_dropped(port) else {
      continue;
    };
    if !seen.contains(&id) {
      replacement = Some(id);
      break;
    }
  }
  assert!(replacement.is_some(), "no restarted replica answered");
}

/// `POST /publish` with `text`; the answer is "<replica> <subscribers>".
fn publish(port: u16, text: &str) -> String {
  let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
  write!(
    stream,
    "POST /publish HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{text}",
    text.len()
  )
  .unwrap();
  let mut out = String::new();
  stream.read_to_string(&mut out).unwrap();
  out.split("\r\n\r\n").nth(1).unwrap_or_default().to_string()
}

/// A WebSocket on `/ws` and the replica that holds it.
fn join(port: u16) -> (RawWs, String) {
  let mut ws = RawWs::connect(port, "/ws");
  let hello = ws.read_text();
  let replica = hello.strip_prefix("hello from ").expect(&hello).to_string();
  (ws, replica)
}

/// The next text message within `wait`, if one comes.
fn try_read(ws: &mut RawWs, wait: Duration) -> Option<String> {
  ws.stream.set_read_timeout(Some(wait)).unwrap();
  let mut byte = [0u8; 1];
  let ready = ws.stream.peek(&mut byte).is_ok();
  ws.stream
    .set_read_timeout(Some(Duration::from_secs(30)))
    .unwrap();
  ready.then(|| ws.read_text())
}

#[test]
fn replicas_share_one_port_and_a_crashed_replica_is_restarted() {
  let served = serve_replicas("2");
  let seen = both_replicas(served.port);
  crash_one_and_see_it_replaced(served.port, &seen);
  let (_, stderr) = served.output();
  assert!(
    stderr.contains("exited with code 1; restarting it"),
    "{stderr}"
  );

  served.signal(libc::SIGTERM);
  let out = served.wait();
  assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_publish_in_one_replica_reaches_sockets_on_the_other() {
  let served = serve_replicas("2");
  let (mut first, first_replica) = join(served.port);
  let mut second = None;
  for _ in 0..TRIES {
    let (ws, replica) = join(served.port);
    if replica != first_replica {
      second = Some((ws, replica));
      break;
    }
  }
  let (mut second, second_replica) =
    second.expect("no WebSocket reached the second replica");

  // ws.publish in the first replica reaches the socket in the second.
  first.text("hi");
  assert_eq!(second.read_text(), format!("{first_replica}: hi"));
  // server.publish over HTTP reaches both, and subscriberCount sees both.
  let answer = publish(served.port, "news");
  assert!(answer.ends_with(" 2"), "{answer}");
  assert_eq!(first.read_text(), "news");
  assert_eq!(second.read_text(), "news");
  assert_ne!(first_replica, second_replica);
}

#[test]
fn two_processes_share_topics_through_redis_and_survive_its_restart() {
  let redis = RedisServer::start();
  let url = redis.url();
  let a = Served::spawn(&["serve", "--port", "0", "--pubsub", &url, APP], &[]);
  let b = Served::spawn(&["serve", "--port", "0", "--pubsub", &url, APP], &[]);
  let (mut on_a, replica_a) = join(a.port);
  let (mut on_b, _) = join(b.port);

  // The backplane subscribes in the background: publish until B hears one.
  let deadline = Instant::now() + Duration::from_secs(20);
  let mut heard = None;
  let mut n = 0;
  while heard.is_none() && Instant::now() < deadline {
    n += 1;
    on_a.text(&format!("before {n}"));
    heard = try_read(&mut on_b, Duration::from_millis(200));
  }
  let heard = heard.expect("B never heard A through redis");
  assert!(
    heard.starts_with(&format!("{replica_a}: before ")),
    "{heard}"
  );
  // A did not get its own publish twice (Redis echoes it back): the only
  // copy it could get would be its own, and ws.publish excludes the sender.
  assert_eq!(try_read(&mut on_a, Duration::from_millis(300)), None);

  // Redis goes away and comes back on the same port; messages flow again.
  let port = redis.port;
  redis.stop();
  let redis = RedisServer::start_on(port);
  let deadline = Instant::now() + Duration::from_secs(30);
  let mut after = None;
  let mut n = 0;
  while after.is_none() && Instant::now() < deadline {
    n += 1;
    publish(a.port, &format!("after {n}"));
    // B's own copies of earlier messages may still be queued: skip them.
    while let Some(text) = try_read(&mut on_b, Duration::from_millis(200)) {
      if text.starts_with("after ") {
        after = Some(text);
        break;
      }
    }
  }
  assert!(
    after.is_some(),
    "no message crossed after the redis restart"
  );
  let (_, stderr) = a.output();
  assert!(stderr.contains("lost its link"), "{stderr}");
  drop(redis);
}

#[test]
fn a_replica_that_stops_its_server_leaves_the_port_to_the_others() {
  let served = serve_replicas("2");
  both_replicas(served.port);
  let stopped = get(served.port, "/stop").text();
  // Its socket stopped listening before /stop answered, and is not left
  // queueing connections nobody accepts: every later connection is
  // answered, by the other replica.
  for _ in 0..40 {
    let answered = replica_of_or_dropped(served.port);
    let Some(id) = answered else {
      panic!("a connection went unanswered after a replica stopped");
    };
    assert_ne!(id, stopped);
  }
}

#[test]
fn bad_workers_and_pubsub_values_are_refused_clearly() {
  let out = run_in(&fixture(""), &["serve", "--workers", "0", APP]);
  assert_eq!(out.code, 1);
  assert!(
    out.stderr.contains("expected a number from 1 to 1024"),
    "{}",
    out.stderr
  );
  let out = run_in(&fixture(""), &["serve", "--pubsub", "http://x", APP]);
  assert_eq!(out.code, 1);
  assert!(
    out
      .stderr
      .contains("invalid --pubsub URL \"http://x\": only redis:// URLs"),
    "{}",
    out.stderr
  );
}

#[test]
fn handoff_mode_deals_connections_in_turn_and_survives_a_crash() {
  let served = serve_replicas_handoff("2");
  // Both replicas register with the acceptor as they start; once both
  // have, connections alternate between them.
  let seen = both_replicas(served.port);
  let ids: Vec<String> = (0..6).map(|_| replica_of(served.port)).collect();
  for pair in ids.windows(2) {
    assert_ne!(pair[0], pair[1], "not in turn: {ids:?}");
  }

  crash_one_and_see_it_replaced(served.port, &seen);
  served.signal(libc::SIGTERM);
  let out = served.wait();
  assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn bun_serve_reuse_port_lets_two_processes_share_a_port() {
  let first = Served::spawn(
    &["run", "cluster/reuse_port.js"],
    &[("PORT", "0"), ("REUSE_PORT", "1")],
  );
  let port = first.port.to_string();
  let second = Served::spawn(
    &["run", "cluster/reuse_port.js"],
    &[("PORT", &port), ("REUSE_PORT", "1")],
  );
  assert_eq!(second.port, first.port);
  // Without reusePort the same port is refused.
  let mut cmd = rt_command();
  cmd
    .args(["run", "cluster/reuse_port.js"])
    .current_dir(fixture(""))
    .env("PORT", &port)
    .env("REUSE_PORT", "0");
  let out = run_command(cmd);
  assert_ne!(out.code, 0, "{}", out.stdout);
  assert!(
    out.stderr.contains("EADDRINUSE") || out.stderr.contains("in use"),
    "{}",
    out.stderr
  );
}
