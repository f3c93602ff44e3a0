//! A raw WebSocket client for protocol tests: frames written and read by
//! hand, so tests can send what a well-behaved library never would
//! (unmasked frames, bad UTF-8, interleaved control frames).

use std::io::Read;
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

/// Opcodes (RFC 6455 §5.2).
pub(crate) const CONT: u8 = 0x0;
pub(crate) const TEXT: u8 = 0x1;
pub(crate) const BINARY: u8 = 0x2;
pub(crate) const CLOSE: u8 = 0x8;
pub(crate) const PING: u8 = 0x9;
pub(crate) const PONG: u8 = 0xA;

/// One received frame.
#[derive(Debug)]
pub(crate) struct Frame {
  /// RSV1 (a permessage-deflate compressed message).
  pub rsv1: bool,
  pub opcode: u8,
  pub payload: Vec<u8>,
}

impl Frame {
  /// A Close frame's code and reason.
  pub(crate) fn close(&self) -> (u16, String) {
    assert_eq!(self.opcode, CLOSE, "expected a close frame: {self:?}");
    if self.payload.len() < 2 {
      return (1005, String::new());
    }
    let code = u16::from_be_bytes([self.payload[0], self.payload[1]]);
    (
      code,
      String::from_utf8_lossy(&self.payload[2..]).into_owned(),
    )
  }
}

/// A connection after the opening handshake.
pub(crate) struct RawWs {
  pub stream: TcpStream,
  /// The 101 response head.
  pub head: String,
}

impl RawWs {
  /// Connects and upgrades `path`; panics unless the server answers 101.
  pub(crate) fn connect(port: u16, path: &str) -> RawWs {
    Self::connect_with(port, path, "")
  }

  /// Connects with extra request header lines (each ending in `\r\n`).
  pub(crate) fn connect_with(port: u16, path: &str, extra: &str) -> RawWs {
    Self::connect_then(port, path, extra, &[])
  }

  /// Connects, sending `after_head` (frames) in the same write as the
  /// request head, before the 101 arrives.
  pub(crate) fn connect_then(
    port: u16,
    path: &str,
    extra: &str,
    after_head: &[u8],
  ) -> RawWs {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
      .set_read_timeout(Some(Duration::from_secs(30)))
      .unwrap();
    let request = format!(
      "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n\
Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n{extra}\r\n"
    );
    let mut request = request.into_bytes();
    request.extend_from_slice(after_head);
    stream.write_all(&request).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
      stream.read_exact(&mut byte).unwrap();
      head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(head.starts_with("HTTP/1.1 101"), "not upgraded: {head}");
    RawWs { stream, head }
  }

  /// Sends one frame, masked as a client must unless `masked` is false.
  pub(crate) fn send(
    &mut self,
    fin: bool,
    opcode: u8,
    payload: &[u8],
    masked: bool,
  ) {
    let frame = encode_frame(fin, opcode, payload, masked);
    self.stream.write_all(&frame).unwrap();
  }

  /// A whole text message in one frame.
  pub(crate) fn text(&mut self, text: &str) {
    self.send(true, TEXT, text.as_bytes(), true);
  }

  /// Sends a Close frame with a code and reason.
  pub(crate) fn close(&mut self, code: u16, reason: &str) {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason.as_bytes());
    self.send(true, CLOSE, &payload, true);
  }

  /// Reads one frame (server frames are never masked).
  pub(crate) fn read(&mut self) -> Frame {
    let mut head = [0u8; 2];
    self.stream.read_exact(&mut head).unwrap();
    assert_eq!(head[1] & 0x80, 0, "server frames must not be masked");
    let len = match head[1] & 0x7f {
      126 => {
        let mut n = [0u8; 2];
        self.stream.read_exact(&mut n).unwrap();
        u64::from(u16::from_be_bytes(n))
      }
      127 => {
        let mut n = [0u8; 8];
        self.stream.read_exact(&mut n).unwrap();
        u64::from_be_bytes(n)
      }
      n => u64::from(n),
    };
    let mut payload = vec![0u8; len as usize];
    self.stream.read_exact(&mut payload).unwrap();
    Frame {
      rsv1: head[0] & 0x40 != 0,
      opcode: head[0] & 0x0f,
      payload,
    }
  }

  /// Reads a text frame's content.
  pub(crate) fn read_text(&mut self) -> String {
    let frame = self.read();
    assert_eq!(frame.opcode, TEXT, "expected text: {frame:?}");
    String::from_utf8(frame.payload).unwrap()
  }

  /// Whether the server closed the TCP connection (EOF on read).
  pub(crate) fn at_eof(&mut self) -> bool {
    let mut byte = [0u8; 1];
    matches!(self.stream.read(&mut byte), Ok(0) | Err(_))
  }
}

/// One frame's bytes, masked as a client's must be unless `masked` is false.
pub(crate) fn encode_frame(
  fin: bool,
  opcode: u8,
  payload: &[u8],
  masked: bool,
) -> Vec<u8> {
  let mut frame = vec![(if fin { 0x80 } else { 0 }) | opcode];
  let mask_bit = if masked { 0x80 } else { 0 };
  match payload.len() {
    n if n < 126 => frame.push(mask_bit | n as u8),
    n if n < 65536 => {
      frame.push(mask_bit | 126);
      frame.extend_from_slice(&(n as u16).to_be_bytes());
    }
    n => {
      frame.push(mask_bit | 127);
      frame.extend_from_slice(&(n as u64).to_be_bytes());
    }
  }
  if masked {
    let key = [0x12, 0x34, 0x56, 0x78];
    frame.extend_from_slice(&key);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
  } else {
    frame.extend_from_slice(payload);
  }
  frame
}
