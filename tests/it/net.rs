//! TCP sockets: `node:net` and `Bun.listen`/`Bun.connect` against each
//! other (suites under `rt test`) and against independent Rust peers.

use std::io::Read as _;
use std::io::Write as _;

use crate::common::*;

#[test]
fn node_net_and_bun_socket_suites_pass() {
  let out = run_in(
    &fixture("net"),
    &["test", "node_net.test.ts", "bun_socket.test.ts"],
  );
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert!(out.stderr.contains("\n 16 pass\n"), "{}", out.stderr);
  assert!(out.stderr.contains("\n 0 fail\n"), "{}", out.stderr);
}

#[test]
fn node_net_client_talks_to_a_rust_server() {
  let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
  let port = listener.local_addr().unwrap().port();
  let server = std::thread::spawn(move || {
    let (mut conn, _) = listener.accept().unwrap();
    let mut got = String::new();
    conn.read_to_string(&mut got).unwrap();
    conn
      .write_all(format!("pong to '{got}'").as_bytes())
      .unwrap();
    got
  });
  let out = run_fixture("net/client.js", &[&port.to_string()]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert_eq!(server.join().unwrap(), "ping from rt");
  assert_eq!(out.stdout, "reply: pong to 'ping from rt'\n");
}

#[test]
fn bun_listen_serves_a_rust_client() {
  let served = Served::spawn(&["run", "net/listener.js"], &[]);
  let mut conn =
    std::net::TcpStream::connect(("127.0.0.1", served.port)).unwrap();
  conn.write_all(b"hello listener").unwrap();
  let mut reply = String::new();
  conn.read_to_string(&mut reply).unwrap();
  assert_eq!(reply, "HELLO LISTENER");
  drop(conn);
  let out = served.wait();
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert!(out.stdout.contains("closed"), "{}", out.stdout);
}

#[test]
fn node_builtins_that_socket_clients_load() {
  let out = run_in(&fixture("node"), &["test", "modules.test.ts"]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert!(out.stderr.contains("\n 6 pass\n"), "{}", out.stderr);
}
