//! A socket whose reads first return bytes already taken from it.

use std::io;
use std::pin::Pin;
use std::task::Context;
use std::task::Poll;

use bytes::Bytes;
use tokio::io::AsyncRead;
use tokio::io::AsyncWrite;
use tokio::io::ReadBuf;

/// `inner`, read after `prefix`; writes go straight to `inner`.
pub struct Prefixed<S> {
  inner: S,
  prefix: Bytes,
}

impl<S> Prefixed<S> {
  /// Reads return `prefix` before anything from `inner`.
  pub fn new(inner: S, prefix: Bytes) -> Self {
    Self { inner, prefix }
  }

  /// Whether bytes are waiting to be read ahead of the socket.
  pub fn has_prefix(&self) -> bool {
    !self.prefix.is_empty()
  }

  /// Queues `bytes` to be read ahead of the socket (replacing none: only
  /// called while nothing is waiting).
  pub fn set_prefix(&mut self, bytes: Bytes) {
    debug_assert!(self.prefix.is_empty());
    self.prefix = bytes;
  }

  /// The socket, for reads that bypass the prefix.
  pub fn inner_mut(&mut self) -> &mut S {
    &mut self.inner
  }
}

impl<S: AsyncRead + Unpin> AsyncRead for Prefixed<S> {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    let this = self.get_mut();
    if this.prefix.is_empty() {
      return Pin::new(&mut this.inner).poll_read(cx, buf);
    }
    let n = this.prefix.len().min(buf.remaining());
    buf.put_slice(&this.prefix.split_to(n));
    Poll::Ready(Ok(()))
  }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Prefixed<S> {
  fn poll_write(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &[u8],
  ) -> Poll<io::Result<usize>> {
    Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
  }

  fn poll_write_vectored(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    bufs: &[io::IoSlice<'_>],
  ) -> Poll<io::Result<usize>> {
    Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
  }

  fn is_write_vectored(&self) -> bool {
    self.inner.is_write_vectored()
  }

  fn poll_flush(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<io::Result<()>> {
    Pin::new(&mut self.get_mut().inner).poll_flush(cx)
  }

  fn poll_shutdown(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<io::Result<()>> {
    Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
  }
}
