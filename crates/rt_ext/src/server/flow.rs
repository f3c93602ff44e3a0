//! A connection's socket wrapper: write-side backpressure for streamed
//! responses, and two checks on the raw request bytes hyper cannot make.
//!
//! hyper's `pipeline_flush` (a 10× win for pipelined requests) makes it
//! accept body chunks without limit, so a slow client would let a streamed
//! response grow in server memory. [`FlowIo`] counts the bytes that really
//! reached the socket, and a streamed body yields a chunk only while fewer
//! than [`MAX_UNSENT`] bytes are still waiting: the producer in JS then
//! stalls at the speed of the client.
//!
//! The read side notes whether any byte arrived (a connection that never
//! sends one is closed after the idle timeout) and follows the request
//! framing ([`HeadScanner`]) to spot a head that carries both
//! `Content-Length` and `Transfer-Encoding`: hyper resolves that safely but
//! silently, and rt answers it with a 400 like Bun.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU16;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::task::Context;
use std::task::Poll;

use futures::task::AtomicWaker;
use hyper::rt::ReadBufCursor;
use tokio::io::AsyncRead;
use tokio::io::AsyncWrite;

use super::framing::HeadScanner;

/// Bytes a connection may hold in hyper's buffers, not yet on the socket,
/// before a streamed body stops yielding.
pub const MAX_UNSENT: usize = 256 * 1024;

/// One connection's count of body bytes handed to hyper and not yet written.
#[derive(Default)]
pub struct Flow {
  unsent: AtomicUsize,
  waker: AtomicWaker,
  read_any: AtomicBool,
  framing_conflicts: AtomicUsize,
  parse_error_status: AtomicU16,
}

impl Flow {
  /// Whether the client has sent at least one byte.
  pub fn has_read(&self) -> bool {
    self.read_any.load(Ordering::Relaxed)
  }

  /// Consumes one "head had both Content-Length and Transfer-Encoding" mark.
  pub fn take_framing_conflict(&self) -> bool {
    self
      .framing_conflicts
      .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
      .is_ok()
  }

  /// Asks the socket to answer a request hyper could not parse with this
  /// status as it closes. hyper queues such an answer itself, but with
  /// `pipeline_flush` it drops the connection before flushing it.
  pub fn answer_parse_error(&self, status: u16) {
    self.parse_error_status.store(status, Ordering::Relaxed);
  }

  fn inspect(&self, bytes: &[u8], scanner: &mut HeadScanner) {
    if bytes.is_empty() {
      return;
    }
    self.read_any.store(true, Ordering::Relaxed);
    let conflicts = scanner.feed(bytes);
    if conflicts > 0 {
      self
        .framing_conflicts
        .fetch_add(conflicts, Ordering::Relaxed);
    }
  }

  /// Records a body chunk handed to hyper.
  pub fn queued(&self, bytes: usize) {
    self.unsent.fetch_add(bytes, Ordering::Relaxed);
  }

  /// Ready when the body may yield another chunk.
  pub fn poll_room(&self, cx: &mut Context<'_>) -> Poll<()> {
    if self.unsent.load(Ordering::Relaxed) < MAX_UNSENT {
      return Poll::Ready(());
    }
    self.waker.register(cx.waker());
    // Re-check: a write may have landed between the load and the register.
    if self.unsent.load(Ordering::Relaxed) < MAX_UNSENT {
      Poll::Ready(())
    } else {
      Poll::Pending
    }
  }

  fn written(&self, bytes: usize) {
    // Headers and chunk framing are counted too, so this drains slightly
    // early; saturating keeps it at zero instead of wrapping.
    let _ =
      self
        .unsent
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
          Some(n.saturating_sub(bytes))
        });
    self.waker.wake();
  }
}

/// A connection's socket, counting what is written for its [`Flow`].
pub struct FlowIo<T: TryWrite> {
  inner: T,
  flow: Arc<Flow>,
  scanner: HeadScanner,
}

impl<T: TryWrite> FlowIo<T> {
  /// Wraps a socket.
  pub fn new(inner: T, flow: Arc<Flow>) -> Self {
    Self {
      inner,
      flow,
      scanner: HeadScanner::default(),
    }
  }
}

/// A socket that can write without waiting (for the last words on close).
pub trait TryWrite {
  /// Writes what the socket takes now.
  fn try_write_now(&self, bytes: &[u8]) -> io::Result<usize>;
}

impl TryWrite for tokio::net::TcpStream {
  fn try_write_now(&self, bytes: &[u8]) -> io::Result<usize> {
    self.try_write(bytes)
  }
}

impl TryWrite for tokio::net::UnixStream {
  fn try_write_now(&self, bytes: &[u8]) -> io::Result<usize> {
    self.try_write(bytes)
  }
}

impl<T: TryWrite> Drop for FlowIo<T> {
  fn drop(&mut self) {
    let reason = match self.flow.parse_error_status.load(Ordering::Relaxed) {
      0 => return,
      431 => "431 Request Header Fields Too Large",
      414 => "414 URI Too Long",
      _ => "400 Bad Request",
    };
    let response = format!(
      "HTTP/1.1 {reason}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
    );
    // Best effort: a few bytes into an idle socket's buffer always fit.
    let _ = self.inner.try_write_now(response.as_bytes());
  }
}

impl<T: AsyncRead + TryWrite + Unpin> hyper::rt::Read for FlowIo<T> {
  fn poll_read(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    mut buf: ReadBufCursor<'_>,
  ) -> Poll<io::Result<()>> {
    // SAFETY: as in hyper-util's TokioIo: the tokio ReadBuf only writes
    // initialized bytes into the cursor's spare capacity, and exactly the
    // bytes it filled are then marked as such with `advance`.
    let filled = unsafe {
      let mut tbuf = tokio::io::ReadBuf::uninit(buf.as_mut());
      match Pin::new(&mut self.inner).poll_read(cx, &mut tbuf) {
        Poll::Ready(Ok(())) => {}
        other => return other,
      }
      let this = &mut *self;
      this.flow.inspect(tbuf.filled(), &mut this.scanner);
      tbuf.filled().len()
    };
    // SAFETY: `filled` bytes were initialized by the read above.
    unsafe { buf.advance(filled) };
    Poll::Ready(Ok(()))
  }
}

impl<T: AsyncWrite + TryWrite + Unpin> hyper::rt::Write for FlowIo<T> {
  fn poll_write(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &[u8],
  ) -> Poll<io::Result<usize>> {
    let result = Pin::new(&mut self.inner).poll_write(cx, buf);
    if let Poll::Ready(Ok(n)) = result {
      self.flow.written(n);
    }
    result
  }

  fn poll_write_vectored(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
    if let Poll::Ready(Ok(n)) = result {
      self.flow.written(n);
    }
    result
  }

  fn is_write_vectored(&self) -> bool {
    self.inner.is_write_vectored()
  }

  fn poll_flush(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<io::Result<()>> {
    Pin::new(&mut self.inner).poll_flush(cx)
  }

  fn poll_shutdown(
    self: Pin<&mut Self>,
    _cx: &mut Context<'_>,
  ) -> Poll<io::Result<()>> {
    // hyper shuts the write side down before it reports a parse error; the
    // answer to that error is written on drop (see `Drop`), and dropping
    // the socket closes it in any case, so the FIN waits until then.
    Poll::Ready(Ok(()))
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn room_closes_at_the_limit_and_reopens_on_writes() {
    let flow = Flow::default();
    let waker = futures::task::noop_waker();
    let mut cx = Context::from_waker(&waker);
    assert!(flow.poll_room(&mut cx).is_ready());
    flow.queued(MAX_UNSENT);
    assert!(flow.poll_room(&mut cx).is_pending());
    flow.written(1);
    assert!(flow.poll_room(&mut cx).is_ready());
    flow.written(usize::MAX);
    assert_eq!(flow.unsent.load(Ordering::Relaxed), 0);
  }
}
