//! A connection's socket wrapper: write-side backpressure for streamed
//! responses, two checks on the raw request bytes hyper cannot make, and
//! the signal that lets an idle keep-alive connection give hyper's state
//! back (see `conn.rs`).
//!
//! hyper's `pipeline_flush` (a 10× win for pipelined requests) makes it
//! accept body chunks without limit, so a slow client would let a streamed
//! response grow in server memory. [`FlowIo`] counts the bytes that really
//! reached the socket, and a streamed body yields a chunk only while fewer
//! than [`MAX_UNSENT`] bytes are still waiting: the producer in JS then
//! stalls at the speed of the client.
//!
//! The read side follows the request framing ([`HeadScanner`]) to spot a head that carries both
//! `Content-Length` and `Transfer-Encoding`: hyper resolves that safely but
//! silently, and rt answers it with a 400 like Bun.
//!
//! Parking: when hyper asks for the next request head, nothing is in flight,
//! everything written was flushed and the socket has nothing to read,
//! [`FlowIo`] ends the read side as if the client had closed. hyper then
//! finishes the connection cleanly without shutting the socket down, and
//! the connection loop keeps only the socket until it is readable again;
//! an idle connection then costs no parser state or 16 KiB of buffers.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::task::Context;
use std::task::Poll;

use bytes::Buf as _;
use bytes::Bytes;
use futures::task::AtomicWaker;
use hyper::rt::ReadBufCursor;
use tokio::io::AsyncRead;
use tokio::io::AsyncWrite;
use tokio::sync::oneshot;

use super::framing::HeadScanner;
use super::listen::Upgraded;

/// Bytes a connection may hold in hyper's buffers, not yet on the socket,
/// before a streamed body stops yielding.
pub const MAX_UNSENT: usize = 256 * 1024;

/// One connection's count of body bytes handed to hyper and not yet written.
#[derive(Default)]
pub struct Flow {
  unsent: AtomicUsize,
  waker: AtomicWaker,
  framing_conflicts: AtomicUsize,
  /// Where the socket goes after a `101`.
  upgrade: Mutex<Option<oneshot::Sender<Upgraded>>>,
  /// Requests whose response body has not been handed over whole.
  exchanges: AtomicUsize,
  /// Requests begun on this connection, ever.
  begun: AtomicUsize,
  /// HTTP/2: hyper polls a body only when the stream has send capacity
  /// (flow-control windows bound what is buffered), and nothing counts
  /// written bytes, so bodies are not paced here.
  unpaced: bool,
  /// The read side was ended to park the connection.
  parked: AtomicBool,
}

impl Flow {
  /// Consumes one "head had both Content-Length and Transfer-Encoding" mark.
  pub fn take_framing_conflict(&self) -> bool {
    self
      .framing_conflicts
      .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
      .is_ok()
  }

  /// Asks for the socket after this exchange's `101 Switching Protocols`.
  pub fn on_upgrade(&self) -> oneshot::Receiver<Upgraded> {
    let (tx, rx) = oneshot::channel();
    if let Ok(mut slot) = self.upgrade.lock() {
      *slot = Some(tx);
    }
    rx
  }

  /// The waiting upgrade, if one was asked for.
  pub(super) fn take_upgrade(&self) -> Option<oneshot::Sender<Upgraded>> {
    self.upgrade.lock().ok()?.take()
  }

  /// A request arrived: the connection cannot park until the returned
  /// guard (carried by its response body) is dropped.
  pub fn begin(self: &Arc<Self>) -> Exchange {
    self.exchanges.fetch_add(1, Ordering::Relaxed);
    self.begun.fetch_add(1, Ordering::Relaxed);
    Exchange(self.clone())
  }

  /// How many requests this connection has begun (HTTP/2's idle check).
  pub fn begun(&self) -> usize {
    self.begun.load(Ordering::Relaxed)
  }

  /// Whether a request is still being answered.
  pub fn busy(&self) -> bool {
    self.exchanges.load(Ordering::Relaxed) > 0
  }

  /// Whether the last hyper round ended because the connection parked
  /// (resets the mark).
  pub fn take_parked(&self) -> bool {
    self.parked.swap(false, Ordering::Relaxed)
  }

  /// Notes a read; returns where a head asking to switch protocols ended.
  fn inspect(&self, bytes: &[u8], scanner: &mut HeadScanner) -> Option<usize> {
    if bytes.is_empty() {
      return None;
    }
    let fed = scanner.feed(bytes);
    if fed.conflicts > 0 {
      self
        .framing_conflicts
        .fetch_add(fed.conflicts, Ordering::Relaxed);
    }
    fed.upgrade_end
  }

  /// A flow for an HTTP/2 connection: bodies are paced by h2's windows.
  pub fn unpaced() -> Self {
    Self {
      unpaced: true,
      ..Self::default()
    }
  }

  /// Records a body chunk handed to hyper.
  pub fn queued(&self, bytes: usize) {
    if !self.unpaced {
      self.unsent.fetch_add(bytes, Ordering::Relaxed);
    }
  }

  /// Ready when the body may yield another chunk.
  pub fn poll_room(&self, cx: &mut Context<'_>) -> Poll<()> {
    self.poll_room_below(cx, MAX_UNSENT)
  }

  /// Ready when fewer than `limit` bytes wait unsent (a file body reads
  /// ahead further than a JS stream, to overlap disk and socket).
  pub fn poll_room_below(
    &self,
    cx: &mut Context<'_>,
    limit: usize,
  ) -> Poll<()> {
    if self.unpaced || self.unsent.load(Ordering::Relaxed) < limit {
      return Poll::Ready(());
    }
    self.waker.register(cx.waker());
    // Re-check: a write may have landed between the load and the register.
    if self.unsent.load(Ordering::Relaxed) < limit {
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

/// One request/response exchange on a connection (see [`Flow::begin`]).
pub struct Exchange(Arc<Flow>);

impl Drop for Exchange {
  fn drop(&mut self) {
    self.0.exchanges.fetch_sub(1, Ordering::Relaxed);
  }
}

/// A response body that holds its request's [`Exchange`] until hyper is
/// done with it.
pub struct Tracked<B> {
  body: B,
  _exchange: Exchange,
}

impl<B> Tracked<B> {
  /// Ties `body` to `exchange`.
  pub fn new(body: B, exchange: Exchange) -> Self {
    Self {
      body,
      _exchange: exchange,
    }
  }
}

impl<B: http_body::Body + Unpin> http_body::Body for Tracked<B> {
  type Data = B::Data;
  type Error = B::Error;

  fn poll_frame(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<Option<Result<http_body::Frame<B::Data>, B::Error>>> {
    Pin::new(&mut self.body).poll_frame(cx)
  }

  fn is_end_stream(&self) -> bool {
    self.body.is_end_stream()
  }

  fn size_hint(&self) -> http_body::SizeHint {
    self.body.size_hint()
  }
}

/// A connection's socket, counting what is written for its [`Flow`].
pub struct FlowIo<T> {
  inner: T,
  flow: Arc<Flow>,
  scanner: HeadScanner,
  /// Bytes read but not given to hyper yet, served first: from an earlier
  /// round, or read behind a head asking to switch protocols.
  leftover: Bytes,
  /// `leftover` follows such a head: it waits until that request was
  /// answered and the answer flushed. After a `101` it is the new
  /// protocol's and goes with the socket; otherwise hyper reads it next.
  /// (Given to hyper at once, it would make hyper skip the flush of the
  /// `101`, which `pipeline_flush` defers while unread input is buffered,
  /// and that unflushed answer would be lost with hyper's buffers.)
  hold: bool,
  /// Written since hyper last flushed.
  unflushed: bool,
}

impl<T> FlowIo<T> {
  /// Wraps a socket; `leftover` is read before the socket.
  pub fn new(inner: T, flow: Arc<Flow>, leftover: Bytes) -> Self {
    Self {
      inner,
      flow,
      scanner: HeadScanner::default(),
      leftover,
      hold: false,
      unflushed: false,
    }
  }

  /// The socket back, with the bytes read from it and not given to hyper.
  pub fn into_inner(self) -> (T, Bytes) {
    (self.inner, self.leftover)
  }

  /// Whether ending the read side now loses nothing: hyper waits for a
  /// new request head, no response is owed and all output was flushed.
  fn can_park(&self) -> bool {
    !self.unflushed
      && self.scanner.at_message_start()
      && self.flow.exchanges.load(Ordering::Relaxed) == 0
  }
}

impl<T: AsyncRead + Unpin> hyper::rt::Read for FlowIo<T> {
  fn poll_read(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    mut buf: ReadBufCursor<'_>,
  ) -> Poll<io::Result<()>> {
    if !self.leftover.is_empty() {
      if self.hold {
        if self.unflushed || self.flow.exchanges.load(Ordering::Relaxed) > 0 {
          // hyper polls again once the answer is written.
          return Poll::Pending;
        }
        self.hold = false;
      }
      // Already inspected when it was first read.
      let n = self.leftover.len().min(buf.remaining());
      buf.put_slice(&self.leftover[..n]);
      self.leftover.advance(n);
      return Poll::Ready(Ok(()));
    }
    // SAFETY: as in hyper-util's TokioIo: the tokio ReadBuf only writes
    // initialized bytes into the cursor's spare capacity, and exactly the
    // bytes it filled are then marked as such with `advance`.
    let filled = unsafe {
      let mut tbuf = tokio::io::ReadBuf::uninit(buf.as_mut());
      match Pin::new(&mut self.inner).poll_read(cx, &mut tbuf) {
        Poll::Ready(Ok(())) => {}
        Poll::Pending if self.can_park() => {
          // An end of input for hyper, which then finishes cleanly.
          self.flow.parked.store(true, Ordering::Relaxed);
          return Poll::Ready(Ok(()));
        }
        other => return other,
      }
      let this = &mut *self;
      let filled = tbuf.filled();
      match this.flow.inspect(filled, &mut this.scanner) {
        Some(end) if end < filled.len() => {
          this.leftover = Bytes::copy_from_slice(&filled[end..]);
          this.hold = true;
          end
        }
        _ => filled.len(),
      }
    };
    // SAFETY: `filled` bytes were initialized by the read above.
    unsafe { buf.advance(filled) };
    Poll::Ready(Ok(()))
  }
}

impl<T: AsyncWrite + Unpin> hyper::rt::Write for FlowIo<T> {
  fn poll_write(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &[u8],
  ) -> Poll<io::Result<usize>> {
    self.unflushed = true;
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
    self.unflushed = true;
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
    // hyper flushes the socket only once its own buffer is empty.
    let result = Pin::new(&mut self.inner).poll_flush(cx);
    if let Poll::Ready(Ok(())) = result {
      self.unflushed = false;
    }
    result
  }

  fn poll_shutdown(
    self: Pin<&mut Self>,
    _cx: &mut Context<'_>,
  ) -> Poll<io::Result<()>> {
    // hyper shuts the write side down before it reports a parse error; the
    // connection loop writes the answer to that error afterwards, and
    // dropping the socket closes it in any case, so the FIN waits until
    // then.
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
