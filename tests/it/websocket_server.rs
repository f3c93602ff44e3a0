//! Bun.serve WebSockets over real sockets: chat through native publish,
//! backpressure, close codes both ways, and the RFC 6455 rules (fragments,
//! interleaved control frames, UTF-8, size limit, masking, idle timeout).

use crate::common::Served;
use crate::common::http;
use crate::common::ws::*;
use crate::common::{assert_stdout, run_fixture};

fn server() -> Served {
  Served::spawn(&["run", "ws/server.js"], &[])
}

#[test]
fn chat_clients_talk_through_publish() {
  let s = server();
  let mut clients: Vec<RawWs> = (0..10)
    .map(|i| {
      let mut ws = RawWs::connect(s.port, &format!("/chat?name=c{i}"));
      assert_eq!(ws.read_text(), format!("ready {} true", i + 1));
      ws
    })
    .collect();
  for (i, ws) in clients.iter_mut().enumerate() {
    ws.text(&format!("m{i}"));
  }
  // Every client hears the other nine, in the order they were published,
  // and never itself (publishToSelf is false).
  for (i, ws) in clients.iter_mut().enumerate() {
    let heard: Vec<String> = (0..9).map(|_| ws.read_text()).collect();
    let expected: Vec<String> = (0..10)
      .filter(|j| *j != i)
      .map(|j| format!("c{j}: m{j}"))
      .collect();
    assert_eq!(heard, expected, "client {i}");
  }
  // server.publish reaches everyone; unsubscribe takes a client out.
  clients[0].text("leave");
  assert_eq!(clients[0].read_text(), "left 0 9");
  let mut echo = RawWs::connect(s.port, "/echo");
  assert!(echo.read_text().starts_with("open 1 127.0.0.1"));
  echo.text("announce hello all");
  assert_eq!(
    echo.read_text(),
    format!("published {}", "server: hello all".len())
  );
  for ws in clients.iter_mut().skip(1) {
    assert_eq!(ws.read_text(), "server: hello all");
  }
  // Closing a subscriber removes it from the topic.
  clients[1].close(1000, "bye");
  assert_eq!(clients[1].read().close(), (1000, "bye".into()));
  s.wait_for_line("close c1 1000 bye 3");
}

#[test]
fn a_client_that_never_reads_gets_backpressure_then_drops() {
  let s = server();
  let ws = RawWs::connect(s.port, "/flood");
  let line = s.wait_for_line("flood ");
  assert!(
    line.starts_with("flood sent,-1,0 ")
      && line.contains("accepted<32MiB=true")
      && line.contains("buffered<=limit=true")
      && line.contains("rss<200MB=true"),
    "{line}"
  );
  drop(ws);
}

#[test]
fn close_codes_both_ways() {
  let s = server();
  // Server-initiated, with the code and reason the script chose.
  let mut ws = RawWs::connect(s.port, "/echo?name=a");
  ws.read_text();
  ws.text("close 4001 why");
  assert_eq!(ws.read().close(), (4001, "why".into()));
  ws.close(4001, "");
  assert!(ws.at_eof());
  s.wait_for_line("close a 4001 why 3");
  // Client-initiated: the server answers the Close and reports it.
  let mut ws = RawWs::connect(s.port, "/echo?name=b");
  ws.read_text();
  ws.close(4002, "later");
  assert_eq!(ws.read().close(), (4002, "later".into()));
  s.wait_for_line("close b 4002 later");
  // A Close without a code is reported as 1005.
  let mut ws = RawWs::connect(s.port, "/echo?name=c");
  ws.read_text();
  ws.send(true, CLOSE, b"", true);
  assert_eq!(ws.read().opcode, CLOSE);
  s.wait_for_line("close c 1005 ");
  // Codes a script may not send are a TypeError with a code.
  let mut ws = RawWs::connect(s.port, "/echo?name=d");
  ws.read_text();
  ws.text("bad-close");
  assert_eq!(ws.read_text(), "TypeError ERR_INVALID_ARG_VALUE");
  // terminate() drops the connection without a Close frame: 1006.
  ws.text("terminate");
  assert!(ws.at_eof());
  s.wait_for_line("close d 1006 ");
}

#[test]
fn upgrade_headers_and_refusals() {
  let s = server();
  let ws = RawWs::connect(s.port, "/echo");
  let head = ws.head.to_ascii_lowercase();
  // RFC 6455 §1.3's example key and its accept value.
  assert!(
    head.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="),
    "{head}"
  );
  assert!(head.contains("x-rt-test: yes"), "{head}");
  // A plain request: upgrade() is false and the handler answers.
  let response = http::get(s.port, "/plain");
  assert_eq!(response.text(), "upgrade false");
  // A bad key is not upgraded either.
  let response = http::raw(
    s.port,
    "GET /x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  assert_eq!(response.status, 400);
}

#[test]
fn fragments_with_interleaved_control_frames() {
  let s = server();
  let mut ws = RawWs::connect(s.port, "/echo");
  ws.read_text();
  ws.send(false, TEXT, b"Hel", true);
  ws.send(true, PING, b"are you there", true);
  ws.send(false, CONT, b"lo, ", true);
  ws.send(true, CONT, "wörld".as_bytes(), true);
  let pong = ws.read();
  assert_eq!(
    (pong.opcode, pong.payload.as_slice()),
    (PONG, &b"are you there"[..])
  );
  assert_eq!(ws.read_text(), "echo Hello, wörld");
  // Binary messages come back as binary, whatever binaryType is.
  ws.text("binary arraybuffer");
  assert_eq!(ws.read_text(), "binaryType arraybuffer");
  ws.send(true, BINARY, &[0, 1, 2, 255], true);
  let frame = ws.read();
  assert_eq!((frame.opcode, frame.payload), (BINARY, vec![0, 1, 2, 255]));
}

#[test]
fn protocol_violations_close_with_the_right_code() {
  let s = server();
  // Invalid UTF-8 in a text message: 1007.
  let mut ws = RawWs::connect(s.port, "/echo?name=utf8");
  ws.read_text();
  ws.send(true, TEXT, &[0x68, 0xff, 0x69], true);
  assert_eq!(ws.read().close().0, 1007);
  s.wait_for_line("close utf8 1007 ");
  // Over maxPayloadLength (1 MiB here): 1009.
  let mut ws = RawWs::connect(s.port, "/echo?name=big");
  ws.read_text();
  // Only the head of the frame: the length alone is over the limit.
  use std::io::Write as _;
  let mut head = vec![0x80 | BINARY, 0x80 | 127];
  head.extend_from_slice(&(1024u64 * 1024 + 1).to_be_bytes());
  head.extend_from_slice(&[1, 2, 3, 4]);
  ws.stream.write_all(&head).unwrap();
  assert_eq!(ws.read().close().0, 1009);
  s.wait_for_line("close big 1009 ");
  // An unmasked client frame: 1002.
  let mut ws = RawWs::connect(s.port, "/echo?name=unmasked");
  ws.read_text();
  ws.send(true, TEXT, b"hi", false);
  assert_eq!(ws.read().close().0, 1002);
  s.wait_for_line("close unmasked 1002 ");
  // A continuation with nothing to continue: 1002.
  let mut ws = RawWs::connect(s.port, "/echo?name=cont");
  ws.read_text();
  ws.send(true, CONT, b"x", true);
  assert_eq!(ws.read().close().0, 1002);
  // A fragmented control frame: 1002.
  let mut ws = RawWs::connect(s.port, "/echo?name=ctl");
  ws.read_text();
  ws.send(false, PING, b"x", true);
  assert_eq!(ws.read().close().0, 1002);
}

#[test]
fn idle_connections_are_pinged_then_closed() {
  let s = Served::spawn(&["run", "ws/server.js"], &[("IDLE", "1")]);
  let mut ws = RawWs::connect(s.port, "/echo?name=idle");
  ws.read_text();
  // Silent for idleTimeout: a ping; still silent: Close 1001.
  assert_eq!(ws.read().opcode, PING);
  assert_eq!(ws.read().close().0, 1001);
  s.wait_for_line("close idle 1001 ");
  // A client that answers pings stays open past the timeout.
  let mut ws = RawWs::connect(s.port, "/echo?name=alive");
  ws.read_text();
  for _ in 0..2 {
    let ping = ws.read();
    assert_eq!(ping.opcode, PING);
    ws.send(true, PONG, &ping.payload, true);
  }
  ws.text("still here");
  assert_eq!(ws.read_text(), "echo still here");
}

#[test]
fn messages_before_a_protocol_error_are_answered_first() {
  // Autobahn 3.2: a message, then a frame with reserved bits, in one write.
  let s = server();
  let mut ws = RawWs::connect(s.port, "/echo?name=rsv");
  ws.read_text();
  let mut both = Vec::new();
  for (first, payload) in [(0x81u8, &b"Hello"[..]), (0xA1, &b"bad"[..])] {
    both.push(first);
    both.push(0x80 | payload.len() as u8);
    both.extend_from_slice(&[0, 0, 0, 0]);
    both.extend_from_slice(payload);
  }
  use std::io::Write as _;
  ws.stream.write_all(&both).unwrap();
  assert_eq!(ws.read_text(), "echo Hello");
  assert_eq!(ws.read().close().0, 1002);
}

#[test]
fn permessage_deflate_is_negotiated_and_both_directions_compress() {
  use flate2::Compress;
  use flate2::Compression;
  use flate2::Decompress;
  use flate2::FlushCompress;
  use flate2::FlushDecompress;
  let s = server();
  let mut ws = RawWs::connect_with(
    s.port,
    "/echo",
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
  );
  let head = ws.head.to_ascii_lowercase();
  assert!(
    head.contains("sec-websocket-extensions: permessage-deflate\r\n"),
    "{head}"
  );
  let open = ws.read();
  let mut inflater = Decompress::new(false);
  let mut inflate = |payload: &[u8]| {
    let mut data = payload.to_vec();
    data.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut out = Vec::with_capacity(4096);
    inflater
      .decompress_vec(&data, &mut out, FlushDecompress::Sync)
      .unwrap();
    String::from_utf8(out).unwrap()
  };
  assert!(open.rsv1, "server messages are compressed");
  assert!(inflate(&open.payload).starts_with("open 1 "));
  // A compressed message from the client (RSV1 set by hand).
  let mut deflater = Compress::new(Compression::default(), false);
  let mut payload = Vec::with_capacity(256);
  deflater
    .compress_vec(b"hello hello hello", &mut payload, FlushCompress::Sync)
    .unwrap();
  payload.truncate(payload.len() - 4);
  ws.send(true, 0x40 | TEXT, &payload, true);
  let echo = ws.read();
  assert!(echo.rsv1);
  assert_eq!(inflate(&echo.payload), "echo hello hello hello");
  // Uncompressed messages stay allowed; RSV1 on a control frame is not.
  ws.text("plain");
  assert_eq!(inflate(&ws.read().payload), "echo plain");
  ws.send(true, 0x40 | PING, b"x", true);
  assert_eq!(ws.read().close().0, 1002);
}

#[test]
fn publish_to_self_delivers_to_the_publisher_too() {
  let s = Served::spawn(&["run", "ws/server.js"], &[("TO_SELF", "1")]);
  let mut a = RawWs::connect(s.port, "/chat?name=a");
  assert_eq!(a.read_text(), "ready 1 true");
  let mut b = RawWs::connect(s.port, "/chat?name=b");
  assert_eq!(b.read_text(), "ready 2 true");
  a.text("hi");
  assert_eq!(a.read_text(), "a: hi");
  assert_eq!(b.read_text(), "a: hi");
}

/// Regression: the socket is handed over without hyper's upgrade wrapper,
/// so frames the client sent in the same packet as its request head (read
/// by the HTTP parser already) must still reach the WebSocket first.
#[test]
fn frames_sent_with_the_upgrade_request_are_not_lost() {
  let s = server();
  let early = [
    encode_frame(true, 1, b"first", true),
    encode_frame(true, 1, b"second", true),
  ]
  .concat();
  let mut ws = RawWs::connect_then(s.port, "/echo", "", &early);
  assert!(ws.read_text().starts_with("open 1 127.0.0.1"));
  assert_eq!(ws.read_text(), "echo first");
  assert_eq!(ws.read_text(), "echo second");
  ws.text("third");
  assert_eq!(ws.read_text(), "echo third");
}

/// `server.pendingWebSockets` counts the server's open WebSockets (it was
/// always 0), compared with Bun's output for the same script.
#[test]
fn pending_websockets_counts_open_sockets() {
  let out = run_fixture("serve/pending_websockets.js", &[]);
  assert_stdout(
    &out,
    include_str!("../fixtures/serve/pending_websockets.out"),
  );
}

/// `server.upgrade()` without a `websocket` handler throws the TypeError
/// Bun throws, with Bun's code (rt said `ERR_INVALID_STATE`).
#[test]
fn upgrade_without_a_websocket_handler_throws_bun_s_error() {
  let out = run_fixture("serve/upgrade_without_websocket.js", &[]);
  assert_stdout(
    &out,
    include_str!("../fixtures/serve/upgrade_without_websocket.out"),
  );
}
