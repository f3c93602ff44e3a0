//! Fetching through an HTTP proxy (Bun's `proxy` option and the
//! `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` variables): plain http requests
//! go to the proxy in absolute form, https ones through a CONNECT tunnel.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::Context;
use std::task::Poll;

use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use tokio::net::TcpStream;

use super::io::ClientIo;

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

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower_service::Service<http::Uri> for ProxyConnector {
  type Response = ClientIo<TcpStream>;
  type Error = BoxError;
  type Future =
    Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

  fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
    tower_service::Service::<http::Uri>::poll_ready(&mut self.inner, cx)
      .map_err(Into::into)
  }

  fn call(&mut self, _destination: http::Uri) -> Self::Future {
    let connecting = self.inner.call(self.proxy.clone());
    Box::pin(async move { Ok(ClientIo::proxied(connecting.await?)) })
  }
}
