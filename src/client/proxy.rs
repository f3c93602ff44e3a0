//! Fetching through an HTTP proxy (Bun's `proxy` option and the
//! `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` variables): plain http requests
//! go to the proxy in absolute form, https ones through a CONNECT tunnel.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::Context;
use std::task::Poll;

use hyper_util::client::legacy::connect::Connected;
use hyper_util::client::legacy::connect::Connection;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The proxy the environment picks for a URL, if any.
pub fn from_env(url: &url::Url) -> Option<String> {
  static MATCHER: OnceLock<Matcher> = OnceLock::new();
  let uri: http::Uri = url.as_str().parse().ok()?;
  let intercept = MATCHER.get_or_init(Matcher::from_env).intercept(&uri)?;
  Some(intercept.uri().to_string())
}

/// Dials the proxy whatever the destination, and marks the connection as
/// proxied so the client writes absolute-form request targets.
#[derive(Clone)]
pub struct ProxyConnector {
  proxy: http::Uri,
  inner: HttpConnector,
}

impl ProxyConnector {
  /// A connector for this proxy.
  pub fn new(proxy: http::Uri, inner: HttpConnector) -> Self {
    Self { proxy, inner }
  }
}

/// A connection to the proxy.
pub struct Proxied(TokioIo<TcpStream>);

impl Connection for Proxied {
  fn connected(&self) -> Connected {
    self.0.connected().proxy(true)
  }
}

impl hyper::rt::Read for Proxied {
  fn poll_read(
    mut self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: hyper::rt::ReadBufCursor<'_>,
  ) -> Poll<std::io::Result<()>> {
    Pin::new(&mut self.0).poll_read(cx, buf)
  }
}

impl hyper::rt::Write for Proxied {
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

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<http::Uri> for ProxyConnector {
  type Response = Proxied;
  type Error = BoxError;
  type Future = Pin<Box<dyn Future<Output = Result<Proxied, BoxError>> + Send>>;

  fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
    tower_service::Service::<http::Uri>::poll_ready(&mut self.inner, cx)
      .map_err(Into::into)
  }

  fn call(&mut self, _destination: http::Uri) -> Self::Future {
    let connecting = self.inner.call(self.proxy.clone());
    Box::pin(async move { Ok(Proxied(connecting.await?)) })
  }
}
