//! The Server object and the process around it: stop, reload, signals,
//! `rt serve`, default exports, unix sockets, disconnects.

use crate::common;

use crate::common::Served;
use crate::common::fixture;
use crate::common::http::Conn;
use crate::common::http::get;
use crate::common::run_fixture;

#[test]
fn server_properties_direct_fetch_and_request_ip() {
  let s = Served::spawn(&["run", "serve/server_object.js"], &[]);
  let (stdout, _) = s.output();
  assert!(
    stdout.contains("127.0.0.1 true true false http 0\n"),
    "{stdout}"
  );
  assert!(stdout.contains("direct fetch: first\n"), "{stdout}");
  assert!(stdout.contains("direct string fetch: 0 true\n"), "{stdout}");
  assert!(
    stdout.contains("requestIP of a non-server request: null\n"),
    "{stdout}"
  );
  // Inside a handler the current request counts as pending.
  assert_eq!(get(s.port, "/pending").text(), "1 true");
  let ip = get(s.port, "/reload");
  assert_eq!(ip.text(), "reloading");
  assert_eq!(get(s.port, "/anything").text(), "reloaded");
  assert_eq!(get(s.port, "/new").text(), "new route");
}

#[test]
fn request_ip_reports_the_peer() {
  let s = Served::serve("serve/app.js");
  let mut c = Conn::open(s.port);
  let r = c.get("/ip");
  let text = r.text();
  assert!(
    text.starts_with(r#"{"address":"127.0.0.1","port":"#),
    "{text}"
  );
  assert!(text.ends_with(r#","family":"IPv4"}"#), "{text}");
}

#[test]
fn stop_closes_the_port_and_resolves_then_the_process_ends() {
  let s = Served::spawn(&["run", "serve/server_object.js"], &[]);
  let port = s.port;
  assert_eq!(get(port, "/stop").text(), "stopping");
  let out = s.wait();
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert!(out.stdout.ends_with("stopped\n"), "{}", out.stdout);
  assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn unref_and_using_let_the_script_end() {
  let out = run_fixture("serve/unref.js", &[]);
  assert_eq!(out.code, 0, "{}", out.stderr);
  assert_eq!(out.stdout, "inside using true\nscript end\n");
}

#[test]
fn sigterm_finishes_in_flight_requests_then_exits() {
  let s = Served::serve("serve/app.js");
  let mut slow = Conn::open(s.port);
  slow.send(b"GET /slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n");
  // Make sure the request is in the handler before the signal.
  assert_eq!(get(s.port, "/pending").text(), "2");
  s.signal(libc::SIGTERM);
  let r = slow.read_response(false);
  assert_eq!(r.text(), "slow done");
  let out = s.wait();
  assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn rt_serve_announces_and_overrides_the_port() {
  let s = Served::serve("serve/app.js");
  let (_, stderr) = s.output();
  assert_eq!(
    stderr,
    format!("Listening on http://localhost:{}/\n", s.port)
  );
  assert_eq!(get(s.port, "/").text(), "Hello World!");
}

#[test]
fn default_export_is_served_under_rt_run_on_port_env() {
  let port = {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    probe.local_addr().unwrap().port()
  };
  let mut cmd = common::rt_command();
  cmd
    .current_dir(fixture(""))
    .env("PORT", port.to_string())
    .args(["run", "serve/default_export.js"]);
  let mut child = cmd
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
  // Connect until the server is up (bounded), then check it answers.
  let mut body = None;
  for _ in 0..200 {
    if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
      body = Some(get(port, "/").text());
      break;
    }
    std::thread::sleep(std::time::Duration::from_millis(25));
  }
  let _ = child.kill();
  let _ = child.wait();
  assert_eq!(
    body.as_deref(),
    Some(format!("default export on {port}").as_str())
  );
}

#[test]
fn unix_socket_servers() {
  let path =
    std::env::temp_dir().join(format!("rt-unix-{}.sock", std::process::id()));
  let _ = std::fs::remove_file(&path);
  let s = Served::spawn(&["run", "serve/unix.js", path.to_str().unwrap()], &[]);
  let (stdout, _) = s.output();
  assert!(
    stdout.starts_with(&format!("UNIX ready true true \"{}\"", path.display())),
    "{stdout}"
  );
  let mut c = Conn::open_unix(&path);
  assert_eq!(c.get("/hello").text(), "unix /hello");
  let out = s.stop();
  assert_eq!(out.code, 0);
  assert!(!path.exists(), "the socket file is removed on close");
}

#[test]
fn request_signal_aborts_when_the_client_disconnects() {
  let s = Served::serve("serve/app.js");
  {
    let mut c = Conn::open(s.port);
    c.send(b"GET /wait-abort HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(get(s.port, "/pending").text(), "2");
  } // dropped: the client goes away
  let mut count = String::new();
  for _ in 0..100 {
    count = get(s.port, "/aborted").text();
    if count == "1" {
      break;
    }
    std::thread::sleep(std::time::Duration::from_millis(20));
  }
  assert_eq!(count, "1");
}

#[test]
fn server_timeout_closes_silent_requests() {
  let s = Served::serve("serve/app.js");
  let started = std::time::Instant::now();
  let mut c = Conn::open(s.port);
  c.send(b"GET /timeout-handler HTTP/1.1\r\nHost: x\r\n\r\n");
  assert!(
    c.closed_by_server(),
    "no response, the connection is closed"
  );
  assert!(started.elapsed() < std::time::Duration::from_millis(1400));
  let mut c = Conn::open(s.port);
  c.send(b"GET /timeout-stream HTTP/1.1\r\nHost: x\r\n\r\n");
  let (status, _) = c.read_head();
  assert_eq!(status, 200);
  let mut seen = Vec::new();
  loop {
    let chunk = c.read_some();
    if chunk.is_empty() {
      break;
    }
    seen.extend(chunk);
  }
  assert!(String::from_utf8_lossy(&seen).contains("first;"));
  assert!(
    !String::from_utf8_lossy(&seen).ends_with("0\r\n\r\n"),
    "cut, not completed"
  );
  assert_eq!(get(s.port, "/").text(), "Hello World!");
}
