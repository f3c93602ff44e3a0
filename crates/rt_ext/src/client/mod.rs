//! The HTTP client behind `fetch`, in plain Rust: one pooled hyper-util
//! client (keep-alive per origin, HTTP/2 by ALPN over rustls), the redirect
//! rules of the Fetch standard, and response decoding.

pub mod body;
pub mod identity;
pub mod io;
pub mod proxy;
pub mod tls;
pub mod unix;
pub mod ws;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use http::HeaderMap;
use http::HeaderValue;
use http::Method;
use http::StatusCode;
use http::header;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;
use url::Url;

use body::RequestBody;

use crate::errors::Code;
use crate::errors::Coded;
use crate::verify;

/// The most redirects `redirect: "follow"` takes (Fetch §4.4 step 7).
pub const MAX_REDIRECTS: usize = 20;

/// Why a fetch failed. The code is what Bun puts on the error's `.code`.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
  /// TCP connect refused.
  #[error("Unable to connect. Is the computer able to access the url?")]
  ConnectionRefused,
  /// The host name did not resolve.
  #[error("Failed to resolve the host name '{0}'")]
  NotFound(String),
  /// TLS handshake or certificate failure.
  #[error("TLS error: {0}")]
  Tls(String),
  /// The peer closed or reset the connection.
  #[error("The socket connection was closed unexpectedly: {0}")]
  Reset(String),
  /// `redirect: "error"` met a redirect.
  #[error("Unexpected redirect to {0}")]
  UnexpectedRedirect(String),
  /// More redirects than allowed ([`MAX_REDIRECTS`] by default).
  #[error("The response redirected too many times (more than {0})")]
  TooManyRedirects(usize),
  /// A redirect to a scheme other than http(s).
  #[error("Cannot follow a redirect to {0}: only http and https are followed")]
  UnsupportedRedirectProtocol(String),
  /// A Location that is not a URL.
  #[error("The redirect Location '{0}' is not a valid URL")]
  RedirectUrlInvalid(String),
  /// A redirect needs the body again but it was a stream.
  #[error("Cannot follow a {0} redirect with a streamed request body")]
  StreamRedirect(u16),
  /// The URL cannot be fetched (scheme, syntax).
  #[error("{0}")]
  BadUrl(String),
  /// The script's `checkServerIdentity` refused the server.
  #[error("{0}")]
  Identity(String),
  /// The server's response is not HTTP (a bad status line or header).
  #[error("Malformed HTTP response: {0}")]
  Malformed(String),
  /// Anything else from the connection.
  #[error("{0}")]
  Other(String),
}

impl Coded for FetchError {
  /// Bun's error code for this failure.
  fn code(&self) -> Code {
    match self {
      Self::ConnectionRefused => Code::FetchConnectionRefused,
      Self::NotFound(_) => Code::FetchNotFound,
      Self::Tls(message) => {
        verify::cert_code_in(message).unwrap_or(Code::TlsHandshake)
      }
      Self::Reset(_) => Code::FetchReset,
      Self::UnexpectedRedirect(_) => Code::FetchUnexpectedRedirect,
      Self::TooManyRedirects(_) => Code::FetchTooManyRedirects,
      Self::UnsupportedRedirectProtocol(_) => {
        Code::FetchUnsupportedRedirectProtocol
      }
      Self::RedirectUrlInvalid(_) => Code::FetchRedirectUrlInvalid,
      Self::StreamRedirect(_) => Code::FetchStreamRedirect,
      Self::BadUrl(_) => Code::FetchInvalidUrl,
      Self::Identity(_) => Code::CertAltnameInvalid,
      Self::Malformed(_) => Code::FetchMalformedResponse,
      Self::Other(_) => Code::FetchFailed,
    }
  }
}

crate::coded_error!(FetchError);

impl FetchError {
  fn from_hyper(error: hyper_util::client::legacy::Error, host: &str) -> Self {
    // Walk the source chain for the io or TLS error underneath.
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&error);
    while let Some(err) = source {
      if let Some(io) = err.downcast_ref::<std::io::Error>() {
        if let Some(tls) = io
          .get_ref()
          .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
          return Self::Tls(tls.to_string());
        }
        match io.kind() {
          // A TLS failure after the handshake (an alert such as a server
          // refusing the client certificate). On HTTP/2 the h2 crate passes
          // io errors on as text, so the rustls error is gone by now.
          std::io::ErrorKind::InvalidData => {
            return Self::Tls(io.to_string());
          }
          std::io::ErrorKind::ConnectionRefused => {
            return Self::ConnectionRefused;
          }
          std::io::ErrorKind::ConnectionReset
          | std::io::ErrorKind::ConnectionAborted
          | std::io::ErrorKind::BrokenPipe
          | std::io::ErrorKind::UnexpectedEof => {
            return Self::Reset(io.to_string());
          }
          _ => {}
        }
        let text = io.to_string();
        if text.contains("failed to lookup address")
          || text.contains("Name or service not known")
          || text.contains("No address associated")
        {
          return Self::NotFound(host.to_string());
        }
      }
      if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Self::Tls(tls.to_string());
      }
      if let Some(rejected) = err.downcast_ref::<identity::IdentityRejected>() {
        return Self::Identity(rejected.0.clone());
      }
      if let Some(hyper) = err.downcast_ref::<hyper::Error>() {
        if hyper.is_incomplete_message() || hyper.is_canceled() {
          return Self::Reset(hyper.to_string());
        }
        if hyper.is_parse() {
          return Self::Malformed(hyper.to_string());
        }
      }
      source = err.source();
    }
    // The connector's error can arrive type-erased; its debug form still
    // names the rustls failure.
    let debug = format!("{error:?}");
    if let Some(at) = debug
      .find("InvalidCertificate")
      .or_else(|| debug.find("AlertReceived"))
    {
      let detail: String =
        debug[at..].chars().take_while(|c| *c != ')').collect();
      return Self::Tls(format!("{detail})"));
    }
    let text = format!("{error:#}");
    if text.contains("dns error") {
      return Self::NotFound(host.to_string());
    }
    Self::Other(format!("{text}: {debug}"))
  }
}

/// `redirect` mode (Fetch §2.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirectMode {
  /// Follow up to [`MAX_REDIRECTS`].
  Follow,
  /// Fail on a redirect.
  Error,
  /// Hand the 3xx to the caller.
  Manual,
}

/// Bun's `protocol` fetch option.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Protocol {
  /// HTTP/2 when ALPN picks it, else HTTP/1.1.
  #[default]
  Auto,
  /// HTTP/1.1 only.
  Http1,
  /// HTTP/2 only (prior knowledge over cleartext).
  Http2,
}

/// What makes clients differ; one pooled client exists per distinct value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClientOptions {
  /// Bun's `tls`.
  pub tls: tls::TlsOptions,
  /// Bun's `protocol`.
  pub protocol: Protocol,
  /// `keepalive: false` closes connections after use.
  pub keepalive: bool,
  /// Bun's `unix`: the socket every request goes to.
  pub unix: Option<std::path::PathBuf>,
  /// The proxy requests go through (Bun's `proxy`, or the environment's).
  pub proxy: Option<String>,
}

impl Default for ClientOptions {
  fn default() -> Self {
    Self {
      tls: tls::TlsOptions::default(),
      protocol: Protocol::Auto,
      keepalive: true,
      unix: None,
      proxy: None,
    }
  }
}

/// One fetch as the op layer describes it.
pub struct FetchRequest {
  /// Method.
  pub method: Method,
  /// Absolute http(s) URL.
  pub url: Url,
  /// Headers, already including rt's defaults.
  pub headers: HeaderMap,
  /// Body.
  pub body: RequestBody,
  /// Redirect mode.
  pub redirect: RedirectMode,
  /// Most redirects followed (Bun's `maxRedirects`; [`MAX_REDIRECTS`]).
  pub max_redirects: usize,
  /// Decode gzip/deflate/br/zstd bodies.
  pub decompress: bool,
}

/// The response head; the body streams separately.
pub struct FetchResponse {
  /// Status.
  pub status: StatusCode,
  /// Headers as received.
  pub headers: HeaderMap,
  /// Every URL fetched, the last being the response's URL.
  pub url_list: Vec<Url>,
  /// The (possibly decoded) body.
  pub body: body::ResponseStream,
}

/// The pooled client, shared by every fetch of a runtime.
#[derive(Clone)]
pub struct HttpClient {
  client: Transport,
  /// Per https origin: whether a connection was made yet. Until one is,
  /// fetches to it go one at a time, so that when ALPN picks HTTP/2 the
  /// others share that connection instead of each opening their own
  /// (hyper-util cannot know a pending connection will be h2).
  first_connection: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<bool>>>>>,
}

/// A pool over TCP (with TLS when the URL says so) or over a Unix socket.
#[derive(Clone)]
enum Transport {
  Net(Client<hyper_rustls::HttpsConnector<HttpConnector>, RequestBody>),
  /// One fetch's own pool, pausing new TLS connections for the script.
  Checked(Client<identity::IdentityGate, RequestBody>),
  /// `unix`: https URLs speak TLS over the socket, as in Bun.
  Unix(Client<hyper_rustls::HttpsConnector<unix::UnixConnector>, RequestBody>),
  Proxy(Box<ProxyClients>),
}

/// The two pools behind a proxy: absolute-form http, tunneled https.
struct ProxyClients {
  http: Client<proxy::ProxyConnector, RequestBody>,
  https:
    Client<hyper_rustls::HttpsConnector<Tunnel<HttpConnector>>, RequestBody>,
}

impl Clone for ProxyClients {
  fn clone(&self) -> Self {
    Self {
      http: self.http.clone(),
      https: self.https.clone(),
    }
  }
}

impl Transport {
  async fn request(
    &self,
    request: http::Request<RequestBody>,
  ) -> Result<
    http::Response<hyper::body::Incoming>,
    hyper_util::client::legacy::Error,
  > {
    match self {
      Self::Net(client) => client.request(request).await,
      Self::Checked(client) => client.request(request).await,
      Self::Unix(client) => client.request(request).await,
      Self::Proxy(clients) => {
        if request.uri().scheme_str() == Some("https") {
          clients.https.request(request).await
        } else {
          clients.http.request(request).await
        }
      }
    }
  }
}

impl HttpClient {
  /// A client for these options: TLS settings, protocol, keep-alive.
  pub fn new(options: &ClientOptions) -> Result<Self, FetchError> {
    let tls = tls::client_config(&options.tls)?;
    let http = connector();
    let proxy_uri = match &options.proxy {
      Some(proxy) => Some(proxy.parse::<http::Uri>().map_err(|e| {
        FetchError::BadUrl(format!("Invalid proxy URL '{proxy}': {e}"))
      })?),
      None => None,
    };
    let tunneled = match &proxy_uri {
      Some(uri) => Some(https(
        options,
        tls.clone(),
        Tunnel::new(uri.clone(), http.clone()),
      )?),
      None => None,
    };
    let connector = https(options, tls.clone(), http.clone())?;
    let mut client = Client::builder(TokioExecutor::new());
    client.pool_idle_timeout(Duration::from_secs(90));
    if !options.keepalive {
      client.pool_max_idle_per_host(0);
    }
    if options.protocol == Protocol::Http2 {
      client.http2_only(true);
    }
    let client = match (&options.unix, proxy_uri, tunneled) {
      (Some(path), _, _) => Transport::Unix(client.build(https(
        options,
        tls,
        unix::UnixConnector::new(path.clone()),
      )?)),
      (None, Some(proxy_uri), Some(tunneled)) => {
        Transport::Proxy(Box::new(ProxyClients {
          http: client.build(proxy::ProxyConnector::new(proxy_uri, http)),
          https: client.build(tunneled),
        }))
      }
      _ => Transport::Net(client.build(connector)),
    };
    Ok(Self {
      client,
      first_connection: Arc::default(),
    })
  }

  /// A client of its own for one fetch with `checkServerIdentity`: every
  /// new TLS connection waits on the returned channel for the verdict.
  /// (Unix sockets and proxies are not TLS-checked this way.)
  pub fn with_identity_check(
    options: &ClientOptions,
  ) -> Result<(Self, mpsc::Receiver<identity::IdentityCheck>), FetchError> {
    let mut this = Self::new(options)?;
    if options.unix.is_some() || options.proxy.is_some() {
      let (_, checks) = mpsc::channel(1);
      return Ok((this, checks));
    }
    let tls = tls::client_config(&options.tls)?;
    let connector = https(options, tls, connector())?;
    let (sender, checks) = mpsc::channel(1);
    let mut client = Client::builder(TokioExecutor::new());
    client.pool_max_idle_per_host(0);
    if options.protocol == Protocol::Http2 {
      client.http2_only(true);
    }
    this.client = Transport::Checked(
      client.build(identity::IdentityGate::new(connector, sender)),
    );
    Ok((this, checks))
  }

  /// Sends a request, following redirects per `redirect`.
  pub async fn fetch(
    &self,
    mut request: FetchRequest,
  ) -> Result<FetchResponse, FetchError> {
    let mut url_list = vec![request.url.clone()];
    loop {
      let host = request.url.host_str().unwrap_or_default().to_string();
      let uri: http::Uri = request.url.as_str().parse().map_err(|_| {
        FetchError::BadUrl(format!("Invalid URL: {}", request.url))
      })?;
      let (body, replay) = request.body.take_for_send();
      let mut outgoing = http::Request::new(body);
      *outgoing.method_mut() = request.method.clone();
      *outgoing.uri_mut() = uri;
      *outgoing.headers_mut() = request.headers.clone();
      let gate = (request.url.scheme() == "https").then(|| {
        let origin = request.url.origin().ascii_serialization();
        let mut gates = self
          .first_connection
          .lock()
          .unwrap_or_else(|e| e.into_inner());
        gates.entry(origin).or_default().clone()
      });
      let mut first = match &gate {
        Some(gate) => {
          let guard = gate.clone().lock_owned().await;
          if *guard { None } else { Some(guard) }
        }
        None => None,
      };
      let response = self
        .client
        .request(outgoing)
        .await
        .map_err(|e| FetchError::from_hyper(e, &host))?;
      if let Some(connected) = first.as_mut() {
        **connected = true;
      }
      drop(first);
      request.body = replay;
      let status = response.status();
      let raw_location = response.headers().get(header::LOCATION);
      let location = raw_location
        .and_then(|v| v.to_str().ok())
        .and_then(|v| request.url.join(v).ok());
      let redirecting = raw_location.is_some()
        && request.redirect != RedirectMode::Manual
        && matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308);
      if redirecting && location.is_none() {
        // HTTP-redirect fetch step 3: a Location that does not parse is a
        // network error.
        let raw = raw_location
          .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
          .unwrap_or_default();
        return Err(FetchError::RedirectUrlInvalid(raw));
      }
      if redirecting && let Some(next) = location {
        if request.redirect == RedirectMode::Error {
          return Err(FetchError::UnexpectedRedirect(next.to_string()));
        }
        // Step 4: only HTTP(S) locations are followed.
        if !matches!(next.scheme(), "http" | "https") {
          return Err(FetchError::UnsupportedRedirectProtocol(
            next.to_string(),
          ));
        }
        if url_list.len() > request.max_redirects {
          return Err(FetchError::TooManyRedirects(request.max_redirects));
        }
        redirect(&mut request, status, next)?;
        url_list.push(request.url.clone());
        continue;
      }
      let (parts, incoming) = response.into_parts();
      let body =
        body::ResponseStream::new(incoming, &parts.headers, request.decompress);
      return Ok(FetchResponse {
        status,
        headers: parts.headers,
        url_list,
        body,
      });
    }
  }
}

/// The TCP connector every transport starts from.
fn connector() -> HttpConnector {
  let mut http = HttpConnector::new();
  http.enforce_http(false);
  http.set_nodelay(true);
  http.set_connect_timeout(Some(Duration::from_secs(30)));
  http
}

/// TLS (when the URL is https) over `inner`, with the options' protocols
/// and server name.
fn https<C>(
  options: &ClientOptions,
  tls: rustls::ClientConfig,
  inner: C,
) -> Result<hyper_rustls::HttpsConnector<C>, FetchError> {
  let mut builder = hyper_rustls::HttpsConnectorBuilder::new()
    .with_tls_config(tls)
    .https_or_http();
  if let Some(name) = &options.tls.server_name {
    let name = rustls_pki_types::ServerName::try_from(name.clone())
      .map_err(|e| FetchError::Tls(format!("tls.serverName: {e}")))?;
    builder = builder.with_server_name_resolver(
      hyper_rustls::FixedServerNameResolver::new(name),
    );
  }
  Ok(match options.protocol {
    Protocol::Http1 => builder.enable_http1().wrap_connector(inner),
    Protocol::Http2 => builder.enable_http2().wrap_connector(inner),
    Protocol::Auto => {
      builder.enable_http1().enable_http2().wrap_connector(inner)
    }
  })
}

/// Fetch §4.4 HTTP-redirect fetch, steps 11-13: method and body changes,
/// and `Authorization` dropped when the origin changes.
fn redirect(
  request: &mut FetchRequest,
  status: StatusCode,
  next: Url,
) -> Result<(), FetchError> {
  let code = status.as_u16();
  // 11. A stream body cannot be sent again (303 drops the body anyway).
  if code != 303 && request.body.is_stream() {
    return Err(FetchError::StreamRedirect(code));
  }
  // 12. 301/302 with POST, or 303 with anything but GET/HEAD, become GET
  //     without a body.
  if ((code == 301 || code == 302) && request.method == Method::POST)
    || (code == 303
      && request.method != Method::GET
      && request.method != Method::HEAD)
  {
    request.method = Method::GET;
    request.body = RequestBody::empty();
    for name in [
      header::CONTENT_ENCODING,
      header::CONTENT_LANGUAGE,
      header::CONTENT_LOCATION,
      header::CONTENT_TYPE,
      header::CONTENT_LENGTH,
    ] {
      request.headers.remove(name);
    }
  }
  // 13. Credentials are not forwarded to another origin.
  if next.origin() != request.url.origin() {
    request.headers.remove(header::AUTHORIZATION);
    request.headers.remove(header::COOKIE);
    request.headers.remove(header::PROXY_AUTHORIZATION);
  }
  // A Host set by the script follows the redirect target.
  if request.headers.contains_key(header::HOST)
    && let Ok(host) = HeaderValue::from_str(&host_header(&next))
  {
    request.headers.insert(header::HOST, host);
  }
  request.url = next;
  Ok(())
}

fn host_header(url: &Url) -> String {
  match (url.host_str(), url.port()) {
    (Some(h), Some(p)) => format!("{h}:{p}"),
    (Some(h), None) => h.to_string(),
    _ => String::new(),
  }
}

/// GETs `url` (following redirects) and returns the body as text, blocking
/// the calling thread: `importScripts` and classic workers load their
/// scripts synchronously. The request runs on a thread of its own with its
/// own event loop, so the caller's loop (if any) is not re-entered.
pub fn get_text_blocking(url: &Url) -> Result<String, String> {
  let url = url.clone();
  let loader = std::thread::Builder::new()
    .name("rt-script-loader".into())
    .spawn(move || -> Result<String, String> {
      let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
      runtime.block_on(async move {
        let client = HttpClient::new(&ClientOptions::default())
          .map_err(|e| e.to_string())?;
        let response = client
          .fetch(FetchRequest {
            method: Method::GET,
            url: url.clone(),
            headers: HeaderMap::new(),
            body: RequestBody::empty(),
            redirect: RedirectMode::Follow,
            max_redirects: MAX_REDIRECTS,
            decompress: true,
          })
          .await
          .map_err(|e| format!("{url}: {e}"))?;
        if !response.status.is_success() {
          return Err(format!("{url}: HTTP {}", response.status));
        }
        let mut body = response.body;
        let mut bytes = Vec::new();
        while let Some(chunk) =
          body.next_chunk().await.map_err(|e| format!("{url}: {e}"))?
        {
          bytes.extend_from_slice(&chunk);
        }
        Ok(String::from_utf8_lossy(&bytes).into_owned())
      })
    })
    .map_err(|e| e.to_string())?;
  loader
    .join()
    .map_err(|_| "the script loader thread panicked".to_string())?
}
