//! HTTP/2 at the frame level, from Python's `h2` and `hyperframe`
//! (tests/python/h2_frames.py): WebSockets over HTTP/2 (RFC 8441) with
//! pub/sub, and frames a well-behaved client never sends. After each bad
//! connection a fresh one must still be answered.

use crate::common::*;

fn run(check: &str) -> String {
  let s = Served::serve("serve/h2_ws.js");
  let mut cmd = python();
  cmd.args(["h2_frames.py", check, &s.port.to_string()]);
  let out = run_command(cmd);
  s.stop();
  out.stdout
}

#[test]
fn websockets_over_http2_by_extended_connect() {
  assert_eq!(
    run("websocket"),
    "enable_connect_protocol 1\n\
     status 200 200\n\
     a got open /a\n\
     b got open /b\n\
     a got echo hi\n\
     b got /a says hi\n\
     get plain GET /plain\n\
     a close 8 1000\n\
     b got echo still here\n"
  );
}

#[test]
fn bad_frames_and_floods_end_the_connection_not_the_server() {
  assert_eq!(
    run("abuse"),
    "data on stream 0: GOAWAY PROTOCOL_ERROR, server answers True\n\
     bad hpack: GOAWAY PROTOCOL_ERROR, server answers True\n\
     oversized frame: GOAWAY FRAME_SIZE_ERROR, server answers True\n\
     zero window update: GOAWAY PROTOCOL_ERROR, server answers True\n\
     rapid reset: GOAWAY ENHANCE_YOUR_CALM, server answers True\n\
     ping and settings flood: server answers True\n\
     200 streams at once: 72 refused, server answers True\n\
     20 KB header: status 431, server answers True\n"
  );
}
