//! Bun's `unix` fetch option: HTTP over a Unix domain socket. The URL's
//! path and Host still come from the URL; only the transport changes.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::Context;
use std::task::Poll;

use hyper_util::rt::TokioIo;
use tokio::net::UnixStream;

use super::io::ClientIo;

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

impl tower_service::Service<http::Uri> for UnixConnector {
  type Response = ClientIo<UnixStream>;
  type Error = std::io::Error;
  type Future =
    Pin<Box<dyn Future<Output = std::io::Result<Self::Response>> + Send>>;

  fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
    Poll::Ready(Ok(()))
  }

  fn call(&mut self, _uri: http::Uri) -> Self::Future {
    let path = self.path.clone();
    Box::pin(async move {
      let stream = UnixStream::connect(path).await?;
      Ok(ClientIo::direct(TokioIo::new(stream)))
    })
  }
}
