//! Parking idle server WebSockets.
//!
//! tungstenite keeps a read buffer (zeroed to its full size on every read)
//! and a write buffer per connection, and the connection task holds the
//! split halves of the stream. An idle WebSocket needs none of that: when
//! the peer has nothing more to send mid-frame, nothing is waiting to be
//! written and no fragmented message is half received, the connection task
//! drops the tungstenite stream and keeps only the socket ([`Watch`]) until
//! the socket is readable or the script sends; then it builds a fresh
//! stream, which is equivalent because no protocol state was pending.
//!
//! [`Watch`] follows the frame boundaries of what tungstenite reads (a few
//! header bytes per frame; payloads are skipped by their length) to know
//! when that is the case.

use std::cell::Cell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Context;
use std::task::Poll;

use bytes::Bytes;
use tokio::io::AsyncRead;
use tokio::io::AsyncWrite;
use tokio::io::ReadBuf;

use super::prefixed::Prefixed;

/// A connection the connection task may park (see the module docs).
pub trait Parkable: AsyncRead + AsyncWrite + Unpin + Sized + 'static {
  /// The state that says when the stream over this connection may be
  /// dropped; `None` for connections that never park.
  fn park_state(&self) -> Option<Rc<ParkState>> {
    None
  }

  /// Waits until the socket has something to read (keeping it for the
  /// next stream), or reports end of input or an error the same way.
  fn poll_fill(&mut self, _cx: &mut Context<'_>) -> Poll<()> {
    Poll::Pending
  }
}

/// What [`Watch`] knows about the stream above it.
#[derive(Default)]
pub struct ParkState {
  /// The last read found nothing to read.
  read_blocked: Cell<bool>,
  /// Every byte read belongs to complete frames, and the last data frame
  /// ended its message.
  at_boundary: Cell<bool>,
  /// Written since the last flush.
  unflushed: Cell<bool>,
  /// Reads that returned data, to tell a new quiet spell from the same one.
  reads: Cell<u64>,
}

impl ParkState {
  /// Whether dropping the stream now loses nothing.
  pub fn idle(&self) -> bool {
    self.read_blocked.get() && self.at_boundary.get() && !self.unflushed.get()
  }

  /// How many reads returned data so far.
  pub fn reads(&self) -> u64 {
    self.reads.get()
  }
}

/// Follows frame boundaries (RFC 6455 §5.2) over a byte stream.
#[derive(Default)]
struct FrameScan {
  header: [u8; 14],
  have: usize,
  payload_left: u64,
  in_message: bool,
}

impl FrameScan {
  fn feed(&mut self, mut bytes: &[u8]) {
    while !bytes.is_empty() {
      if self.payload_left > 0 {
        let n = self.payload_left.min(bytes.len() as u64);
        bytes = &bytes[n as usize..];
        self.payload_left -= n;
        continue;
      }
      self.header[self.have] = bytes[0];
      self.have += 1;
      bytes = &bytes[1..];
      if self.have < 2 {
        continue;
      }
      let short = self.header[1] & 0x7f;
      let extended = match short {
        126 => 2,
        127 => 8,
        _ => 0,
      };
      let mask = if self.header[1] & 0x80 != 0 { 4 } else { 0 };
      if self.have < 2 + extended + mask {
        continue;
      }
      let len = match extended {
        0 => u64::from(short),
        2 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
        _ => {
          let mut be = [0u8; 8];
          be.copy_from_slice(&self.header[2..10]);
          u64::from_be_bytes(be)
        }
      };
      let fin = self.header[0] & 0x80 != 0;
      // Data frames (continuation, text, binary) carry messages; control
      // frames may come between their fragments.
      if self.header[0] & 0x08 == 0 {
        self.in_message = !fin;
      }
      self.payload_left = len;
      self.have = 0;
    }
  }

  fn at_boundary(&self) -> bool {
    self.have == 0 && self.payload_left == 0 && !self.in_message
  }
}

/// A server WebSocket's socket, watched for parking.
pub struct Watch<S> {
  /// The socket, with what was read while parked served first.
  inner: Prefixed<S>,
  state: Rc<ParkState>,
  scan: FrameScan,
}

impl<S> Watch<S> {
  /// Watches `inner`.
  pub fn new(inner: S) -> Self {
    let state = ParkState::default();
    state.at_boundary.set(true);
    Self {
      inner: Prefixed::new(inner, Bytes::new()),
      state: Rc::new(state),
      scan: FrameScan::default(),
    }
  }
}

impl<S: AsyncRead + AsyncWrite + Unpin + 'static> Parkable for Watch<S> {
  fn park_state(&self) -> Option<Rc<ParkState>> {
    Some(self.state.clone())
  }

  fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<()> {
    if self.inner.has_prefix() {
      return Poll::Ready(());
    }
    // Small: most wake-ups of an idle socket are one short message.
    let mut space = [0u8; 512];
    let mut buf = ReadBuf::new(&mut space);
    match Pin::new(self.inner.inner_mut()).poll_read(cx, &mut buf) {
      Poll::Pending => Poll::Pending,
      // End of input and errors come back on the next read, which the
      // rebuilt stream then reports.
      Poll::Ready(_) => {
        self.inner.set_prefix(Bytes::copy_from_slice(buf.filled()));
        Poll::Ready(())
      }
    }
  }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watch<S> {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    let this = self.get_mut();
    let start = buf.filled().len();
    match Pin::new(&mut this.inner).poll_read(cx, buf) {
      Poll::Pending => {
        this.state.read_blocked.set(true);
        return Poll::Pending;
      }
      Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
      Poll::Ready(Ok(())) => {}
    }
    this.state.read_blocked.set(false);
    this.state.reads.set(this.state.reads.get().wrapping_add(1));
    this.scan.feed(&buf.filled()[start..]);
    this.state.at_boundary.set(this.scan.at_boundary());
    Poll::Ready(Ok(()))
  }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watch<S> {
  fn poll_write(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &[u8],
  ) -> Poll<io::Result<usize>> {
    let this = self.get_mut();
    this.state.unflushed.set(true);
    Pin::new(&mut this.inner).poll_write(cx, buf)
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    let this = self.get_mut();
    this.state.unflushed.set(true);
    Pin::new(&mut this.inner).poll_write_vectored(cx, bufs)
  }

  fn is_write_vectored(&self) -> bool {
    self.inner.is_write_vectored()
  }

  fn poll_flush(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<io::Result<()>> {
    let this = self.get_mut();
    let result = Pin::new(&mut this.inner).poll_flush(cx);
    if let Poll::Ready(Ok(())) = result {
      this.state.unflushed.set(false);
    }
    result
  }

  fn poll_shutdown(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<io::Result<()>> {
    Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn frame(fin: bool, opcode: u8, len: usize, masked: bool) -> Vec<u8> {
    let mut f = vec![(if fin { 0x80 } else { 0 }) | opcode];
    let m = if masked { 0x80 } else { 0 };
    match len {
      n if n < 126 => f.push(m | n as u8),
      n if n < 65536 => {
        f.push(m | 126);
        f.extend_from_slice(&(n as u16).to_be_bytes());
      }
      n => {
        f.push(m | 127);
        f.extend_from_slice(&(n as u64).to_be_bytes());
      }
    }
    if masked {
      f.extend_from_slice(&[1, 2, 3, 4]);
    }
    f.extend(std::iter::repeat_n(b'x', len));
    f
  }

  #[test]
  fn boundaries_follow_frames_split_anywhere() {
    let bytes = [
      frame(true, 1, 5, true),
      frame(true, 2, 300, true),
      frame(true, 2, 70_000, false),
    ]
    .concat();
    for cut in [1, 2, 3, 7, 10, 12, 200, 311, 320, bytes.len() - 1] {
      let mut scan = FrameScan::default();
      scan.feed(&bytes[..cut]);
      assert!(!scan.at_boundary(), "cut at {cut}");
      scan.feed(&bytes[cut..]);
      assert!(scan.at_boundary(), "cut at {cut}");
    }
    // Between two frames is a boundary.
    let mut scan = FrameScan::default();
    scan.feed(&bytes[..11]);
    assert!(scan.at_boundary());
  }

  #[test]
  fn a_fragmented_message_is_not_a_boundary_until_its_last_frame() {
    let mut scan = FrameScan::default();
    scan.feed(&frame(false, 1, 3, true));
    assert!(!scan.at_boundary());
    // A ping between fragments does not end the message.
    scan.feed(&frame(true, 9, 0, true));
    assert!(!scan.at_boundary());
    scan.feed(&frame(true, 0, 3, true));
    assert!(scan.at_boundary());
  }
}
