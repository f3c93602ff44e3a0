//! The connection type hyper-util's pool needs for rt's own connectors
//! (Unix sockets, proxies): a socket plus what to report as `Connected`.

use std::pin::Pin;
use std::task::Context;
use std::task::Poll;

use hyper_util::client::legacy::connect::Connected;
use hyper_util::client::legacy::connect::Connection;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::net::UnixStream;

/// A connected socket; `proxied` makes the client write absolute-form
/// request targets (a plain-http proxy).
pub struct ClientIo<T> {
  inner: TokioIo<T>,
  proxied: bool,
}

impl<T> ClientIo<T> {
  /// A direct connection.
  pub fn direct(io: TokioIo<T>) -> Self {
    Self {
      inner: io,
      proxied: false,
    }
  }

  /// A connection to a forward proxy.
  pub fn proxied(io: TokioIo<T>) -> Self {
    Self {
      inner: io,
      proxied: true,
    }
  }
}

impl Connection for ClientIo<TcpStream> {
  fn connected(&self) -> Connected {
    self.inner.connected().proxy(self.proxied)
  }
}

impl Connection for ClientIo<UnixStream> {
  fn connected(&self) -> Connected {
    Connected::new().proxy(self.proxied)
  }
}

impl<T: tokio::io::AsyncRead + Unpin> hyper::rt::Read for ClientIo<T> {
  fn poll_read(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: hyper::rt::ReadBufCursor<'_>,
  ) -> Poll<std::io::Result<()>> {
    Pin::new(&mut self.inner).poll_read(cx, buf)
  }
}

impl<T: tokio::io::AsyncWrite + Unpin> hyper::rt::Write for ClientIo<T> {
  fn poll_write(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &[u8],
  ) -> Poll<std::io::Result<usize>> {
    Pin::new(&mut self.inner).poll_write(cx, buf)
  }

  fn poll_flush(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<std::io::Result<()>> {
    Pin::new(&mut self.inner).poll_flush(cx)
  }

  fn poll_shutdown(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<std::io::Result<()>> {
    Pin::new(&mut self.inner).poll_shutdown(cx)
  }
}
