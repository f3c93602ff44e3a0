//! Bun's `unix` fetch option: HTTP over a Unix domain socket. The URL's
//! path and Host still come from the URL; only the transport changes.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::Context;
use std::task::Poll;

use hyper_util::client::legacy::connect::Connected;
use hyper_util::client::legacy::connect::Connection;
use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;

/// Connects every request to one socket path.
#[derive(Clone, Debug)]
pub struct UnixConnector {
  path: PathBuf,
}

impl UnixConnector {
  /// A connector for this socket.
  pub fn new(path: PathBuf) -> Self {
    Self { path }
  }
}

/// A connected Unix socket, as hyper-util's pool wants it.
pub struct UnixConnection(TokioIo<UnixStream>);

impl Connection for UnixConnection {
  fn connected(&self) -> Connected {
    Connected::new()
  }
}

impl hyper::rt::Read for UnixConnection {
  fn poll_read(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: hyper::rt::ReadBufCursor<'_>,
  ) -> Poll<std::io::Result<()>> {
    Pin::new(&mut self.0).poll_read(cx, buf)
  }
}

impl hyper::rt::Write for UnixConnection {
  fn poll_write(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &[u8],
  ) -> Poll<std::io::Result<usize>> {
    Pin::new(&mut self.0).poll_write(cx, buf)
  }

  fn poll_flush(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<std::io::Result<()>> {
    Pin::new(&mut self.0).poll_flush(cx)
  }

  fn poll_shutdown(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<std::io::Result<()>> {
    Pin::new(&mut self.0).poll_shutdown(cx)
  }
}

impl tower_service::Service<http::Uri> for UnixConnector {
  type Response = UnixConnection;
  type Error = std::io::Error;
  type Future =
    Pin<Box<dyn Future<Output = std::io::Result<UnixConnection>> + Send>>;

  fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
    Poll::Ready(Ok(()))
  }

  fn call(&mut self, _uri: http::Uri) -> Self::Future {
    let path = self.path.clone();
    Box::pin(async move {
      let stream = UnixStream::connect(path).await?;
      Ok(UnixConnection(TokioIo::new(stream)))
    })
  }
}
