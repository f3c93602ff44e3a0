//! The HTTP server behind `Bun.serve`, in plain Rust on hyper.
//!
//! Everything runs on the JS thread's single-threaded tokio runtime, like
//! Bun's event loop: connections are local tasks, and a request that needs
//! JS is parked in the [`InFlightTable`] until JS answers it. Static routes
//! and protocol errors (400, 404, 413, 431) are answered here without
//! entering JS at all.

use std::cell::Cell;
use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::VecDeque;
use std::collections::hash_map::Entry;
use std::future::Future;
use std::hash::BuildHasherDefault;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use http::Request;
use http::Response;
use http::StatusCode;
use http::header;
use hyper::body::Incoming;
use tokio::sync::Notify;
use tokio::sync::oneshot;
use tokio::sync::watch;

use super::body::ResponseBody;
use super::compress::Compression;
use super::conn::Listener;
use super::conn::accept_loop;
use super::file::Conditions;
use super::file::OpenFile;
use super::file::file_response;
use super::flow::Flow;
use super::routes::RouteTable;
use super::routes::RouteTarget;
use super::routes::normalize_path;
use super::tls::ClientCertificate;
use super::tls::TlsSetup;
use super::ws::WsServer;

/// Errors starting or running a server.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum ServerError {
  /// bind(2) failed.
  #[class(generic)]
  #[error("Failed to start server. Is port {port} in use? ({source})")]
  #[property("code" = self.code())]
  Bind {
    port: u16,
    #[source]
    source: std::io::Error,
  },
  /// bind(2) on a unix socket failed.
  #[class(generic)]
  #[error("Failed to listen on unix socket {path}: {source}")]
  #[property("code" = self.code())]
  BindUnix {
    path: String,
    #[source]
    source: std::io::Error,
  },
  /// The hostname does not resolve to an address.
  #[class(generic)]
  #[error("Failed to resolve hostname '{0}'")]
  #[property("code" = "ENOTFOUND")]
  Resolve(String),
}

impl ServerError {
  fn code(&self) -> &'static str {
    let source = match self {
      Self::Bind { source, .. } | Self::BindUnix { source, .. } => source,
      Self::Resolve(_) => return "ENOTFOUND",
    };
    match source.kind() {
      std::io::ErrorKind::AddrInUse => "EADDRINUSE",
      std::io::ErrorKind::PermissionDenied => "EACCES",
      std::io::ErrorKind::AddrNotAvailable => "EADDRNOTAVAIL",
      _ => "EIO",
    }
  }
}

/// Where to listen.
#[derive(Debug, Clone)]
pub enum ListenAddr {
  /// A TCP host and port (0 = any free port).
  Tcp { hostname: String, port: u16 },
  /// A unix socket path; a leading NUL byte is a Linux abstract socket.
  Unix(PathBuf),
  /// A TCP socket already listening, kept by the worker group so that it
  /// outlives a worker that crashes (see `group.rs`).
  Inherited(Arc<std::net::TcpListener>),
  /// Connections a worker group's acceptor hands to this worker.
  Handoff(super::group::HandoffSlot),
}

/// Server settings from `Bun.serve` options.
#[derive(Debug, Clone)]
pub struct ServerConfig {
  /// Where to listen.
  pub listen: ListenAddr,
  /// Close connections idle (no request bytes) for this long; `None` never.
  pub idle_timeout: Option<Duration>,
  /// Largest request body accepted; bigger ones get 413.
  pub max_request_body_size: u64,
  /// Serve HTTPS with this configuration (see `tls.rs`).
  pub tls: Option<Arc<TlsSetup>>,
  /// Compress responses (rt's `compression` option; see `compress.rs`).
  pub compression: Option<Arc<Compression>>,
  /// Bind with SO_REUSEPORT (Bun's `reusePort`, and `rt serve --workers`).
  pub reuse_port: bool,
}

/// Who is on the other end of a connection, as requests see it.
#[derive(Debug, Clone, Default)]
pub struct Peer {
  /// The client address (none on a unix socket).
  pub addr: Option<SocketAddr>,
  /// The certificate the client presented (`tls.requestCert`).
  pub certificate: Option<Rc<ClientCertificate>>,
}

/// A request id handed to JS.
pub type RequestId = u32;

/// Method codes shared with JS, so common methods need no op to read.
pub fn method_code(method: &http::Method) -> u32 {
  match *method {
    http::Method::GET => 1,
    http::Method::HEAD => 2,
    http::Method::POST => 3,
    http::Method::PUT => 4,
    http::Method::DELETE => 5,
    http::Method::PATCH => 6,
    http::Method::OPTIONS => 7,
    _ => 0,
  }
}

/// A request outlived its `server.timeout(req, seconds)`; hyper closes the
/// connection.
#[derive(Debug, thiserror::Error)]
#[error("request timed out")]
pub struct RequestTimedOut;

/// `server.timeout(req, seconds)` for one request: how long its handler and
/// then its streamed body may stay silent. rt sets none by default (unlike
/// Bun's 10 s) so slow handlers and quiet event streams are not cut off.
#[derive(Default)]
pub struct RequestTimeout {
  limit: Cell<Option<Duration>>,
  changed: Notify,
}

impl RequestTimeout {
  /// Sets the limit (`None` disables it), restarting the count.
  pub fn set(&self, limit: Option<Duration>) {
    self.limit.set(limit);
    self.changed.notify_waiters();
  }

  /// The current limit.
  pub fn get(&self) -> Option<Duration> {
    self.limit.get()
  }
}

/// Whether the client went away before its response was delivered.
#[derive(Default)]
pub struct ClientGone {
  gone: Cell<bool>,
  done: Cell<bool>,
  notify: Notify,
}

impl ClientGone {
  /// Resolves `true` when the client disconnects before its response, or
  /// `false` once the response has been handed to the connection.
  pub async fn wait(&self) -> bool {
    loop {
      if self.gone.get() {
        return true;
      }
      if self.done.get() {
        return false;
      }
      self.notify.notified().await;
    }
  }
}

/// Sets [`ClientGone`] when the service future is dropped unanswered.
struct GoneGuard(Rc<ClientGone>);

impl Drop for GoneGuard {
  fn drop(&mut self) {
    if !self.0.done.get() {
      self.0.gone.set(true);
    }
    self.0.notify.notify_waiters();
  }
}

/// A request waiting for JS.
pub struct InFlight {
  /// The server it arrived on.
  pub server: Rc<Server>,
  /// Method, URI, version, headers.
  pub parts: http::request::Parts,
  /// The body, until JS reads it.
  pub body: Option<Incoming>,
  /// Body bytes read so far (checked against `maxRequestBodySize`).
  pub body_read: u64,
  /// The route handler index, or `None` for `fetch`.
  pub handler: Option<u32>,
  /// Decoded route parameters.
  pub params: Vec<(String, String)>,
  /// The client's address and certificate.
  pub peer: Peer,
  /// Where the response goes; `None` once answered.
  pub respond: Option<oneshot::Sender<Response<ResponseBody>>>,
  /// Disconnect notification for `request.signal`.
  pub gone: Rc<ClientGone>,
  /// The connection's write pacing, for a streamed response.
  pub flow: Arc<Flow>,
  /// `server.timeout()` for this request.
  pub timeout: Rc<RequestTimeout>,
  /// JS streams the body: the record outlives the response until the
  /// body ends, so a handler can answer while it still reads (full duplex).
  pub reading: bool,
}

impl InFlight {
  /// The largest body this request's server accepts.
  pub fn server_limit(&self) -> u64 {
    self.server.config.max_request_body_size
  }

  /// Sends the response (a no-op when the client is gone or it was sent).
  pub fn send(&mut self, response: Response<ResponseBody>) {
    if let Some(tx) = self.respond.take() {
      let _ = tx.send(response);
    }
  }
}

/// When a server has no connections left, hands the memory freed since the
/// last such moment back to the system (glibc only trims the top of the
/// heap, past a threshold rt raises for large bodies, so a burst of load
/// otherwise leaves its peak resident). At most once a second: the walk
/// over the heap costs about a millisecond.
fn release_memory() {
  #[cfg(target_env = "gnu")]
  {
    thread_local! {
      static LAST: Cell<Option<std::time::Instant>> = const { Cell::new(None) };
    }
    let now = std::time::Instant::now();
    let due = LAST.with(|last| {
      let due = last
        .get()
        .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(1));
      if due {
        last.set(Some(now));
      }
      due
    });
    if due {
      // SAFETY: malloc_trim only returns free pages to the kernel.
      unsafe {
        libc::malloc_trim(0);
      }
    }
  }
}

/// Hashes request ids as themselves: they are unique counters.
#[derive(Default)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
  fn finish(&self) -> u64 {
    self.0
  }
  fn write(&mut self, bytes: &[u8]) {
    for b in bytes {
      self.0 = (self.0 << 8) | u64::from(*b);
    }
  }
  fn write_u32(&mut self, n: u32) {
    self.0 = u64::from(n);
  }
}

/// Every request waiting for JS, on all servers of this runtime.
#[derive(Default)]
pub struct InFlightTable {
  next: Cell<RequestId>,
  map: RefCell<HashMap<RequestId, InFlight, BuildHasherDefault<IdHasher>>>,
}

impl InFlightTable {
  fn insert(&self, request: InFlight) -> RequestId {
    // Ids start at 1 (0 means "none" to JS) and wrap long after any request
    // could still be waiting.
    let id = match self.next.get().wrapping_add(1) {
      0 => 1,
      n => n,
    };
    self.next.set(id);
    self.map.borrow_mut().insert(id, request);
    id
  }

  /// Runs `f` on a waiting request, if it exists.
  pub fn with<R>(
    &self,
    id: RequestId,
    f: impl FnOnce(&mut InFlight) -> R,
  ) -> Option<R> {
    self.map.borrow_mut().get_mut(&id).map(f)
  }

  /// Removes a request (it was answered).
  pub fn remove(&self, id: RequestId) -> Option<InFlight> {
    let request = self.map.borrow_mut().remove(&id)?;
    Self::released(&request);
    Some(request)
  }

  /// Sends a request's response. Its record goes with it, unless JS is
  /// still reading the body (a handler may answer first: full duplex);
  /// then it stays until [`Self::body_ended`].
  pub fn respond(&self, id: RequestId, response: Response<ResponseBody>) {
    let mut map = self.map.borrow_mut();
    let Entry::Occupied(mut entry) = map.entry(id) else {
      return;
    };
    entry.get_mut().send(response);
    if !entry.get().reading {
      let request = entry.remove();
      drop(map);
      Self::released(&request);
    }
  }

  /// JS read a request's body to its end (or failed to): the record goes
  /// if the request was answered meanwhile.
  pub fn body_ended(&self, id: RequestId) {
    let answered = self
      .with(id, |r| {
        r.reading = false;
        r.respond.is_none()
      })
      .unwrap_or(false);
    if answered {
      self.remove(id);
    }
  }

  /// Counts a request out of its server's `pendingRequests`.
  fn released(request: &InFlight) {
    let pending = &request.server.pending;
    pending.set(pending.get().saturating_sub(1));
  }
}

/// How a server is being stopped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Stopping {
  No,
  Graceful,
  Force,
}

/// One `Bun.serve` server.
pub struct Server {
  config: ServerConfig,
  /// New handshakes take the current one (`server.reload({ tls })`).
  tls: RefCell<Option<Arc<TlsSetup>>>,
  routes: RefCell<Rc<RouteTable>>,
  has_fetch: Cell<bool>,
  requests: Rc<InFlightTable>,
  ready: RefCell<VecDeque<RequestId>>,
  ready_notify: Notify,
  pending: Cell<usize>,
  open_connections: Cell<usize>,
  connections_changed: Notify,
  stop_tx: watch::Sender<Stopping>,
  local_addr: Cell<Option<SocketAddr>>,
  websocket: RefCell<Option<Rc<WsServer>>>,
}

impl Server {
  /// Binds the listener and starts accepting on the current local task set.
  pub fn start(
    config: ServerConfig,
    routes: RouteTable,
    has_fetch: bool,
    requests: Rc<InFlightTable>,
  ) -> Result<Rc<Server>, ServerError> {
    let listener = Listener::bind(&config.listen, config.reuse_port)?;
    let (stop_tx, _) = watch::channel(Stopping::No);
    let server = Rc::new(Server {
      local_addr: Cell::new(listener.local_addr()),
      tls: RefCell::new(config.tls.clone()),
      config,
      routes: RefCell::new(Rc::new(routes)),
      has_fetch: Cell::new(has_fetch),
      requests,
      ready: RefCell::new(VecDeque::new()),
      ready_notify: Notify::new(),
      pending: Cell::new(0),
      open_connections: Cell::new(0),
      connections_changed: Notify::new(),
      stop_tx,
      websocket: RefCell::new(None),
    });
    deno_core::unsync::spawn(accept_loop(server.clone(), listener));
    Ok(server)
  }

  /// The bound TCP address (none for unix sockets).
  pub fn local_addr(&self) -> Option<SocketAddr> {
    self.local_addr.get()
  }

  /// Requests received and not answered yet.
  pub fn pending_requests(&self) -> usize {
    self.pending.get()
  }

  /// Replaces the route table and whether a `fetch` handler exists.
  pub fn reload(&self, routes: RouteTable, has_fetch: bool) {
    *self.routes.borrow_mut() = Rc::new(routes);
    self.has_fetch.set(has_fetch);
  }

  /// The next request for JS, if one is queued.
  pub fn take_ready(&self) -> Option<RequestId> {
    self.ready.borrow_mut().pop_front()
  }

  /// Waits until a request is queued; `false` once the server stopped.
  pub async fn wait_ready(&self) -> bool {
    loop {
      if !self.ready.borrow().is_empty() {
        return true;
      }
      if *self.stop_tx.borrow() != Stopping::No {
        return false;
      }
      let mut stop_rx = self.stop_tx.subscribe();
      tokio::select! {
        _ = self.ready_notify.notified() => {}
        _ = stop_rx.changed() => {}
      }
    }
  }

  /// Stops accepting; closes idle connections now and busy ones after their
  /// response (`force`: closes everything at once).
  pub fn stop(&self, force: bool) {
    let next = if force {
      Stopping::Force
    } else {
      Stopping::Graceful
    };
    self.stop_tx.send_if_modified(|current| {
      if *current == Stopping::Force || *current == next {
        return false;
      }
      *current = next;
      true
    });
    if let Some(ws) = self.websocket() {
      ws.close_all(force);
    }
  }

  /// Gives the server a WebSocket side (Bun's `websocket` handler).
  pub fn set_websocket(&self, ws: Option<Rc<WsServer>>) {
    *self.websocket.borrow_mut() = ws;
  }

  /// The WebSocket side, when the server has a `websocket` handler.
  pub fn websocket(&self) -> Option<Rc<WsServer>> {
    self.websocket.borrow().clone()
  }

  /// Close connections idle for this long (`None`: never).
  /// Whether this server speaks HTTPS (request URLs say `https:`).
  pub fn serves_tls(&self) -> bool {
    self.config.tls.is_some()
  }

  /// The TLS configuration new connections get.
  pub(super) fn tls(&self) -> Option<Arc<TlsSetup>> {
    self.tls.borrow().clone()
  }

  /// Swaps the certificates (`server.reload({ tls })`): handshakes from now
  /// on use `setup`; open connections keep the session they have. A server
  /// started without TLS stays plain (its clients speak plain HTTP).
  pub fn reload_tls(&self, setup: TlsSetup) -> bool {
    let mut current = self.tls.borrow_mut();
    if current.is_none() {
      return false;
    }
    *current = Some(Arc::new(setup));
    true
  }

  pub(super) fn idle_timeout(&self) -> Option<Duration> {
    self.config.idle_timeout
  }

  /// Follows `stop` calls.
  pub(super) fn subscribe_stop(&self) -> watch::Receiver<Stopping> {
    self.stop_tx.subscribe()
  }

  /// Counts a new connection.
  pub(super) fn connection_opened(&self) {
    self.open_connections.set(self.open_connections.get() + 1);
  }

  /// Counts a closed connection.
  pub(super) fn connection_closed(&self) {
    let open = self.open_connections.get().saturating_sub(1);
    self.open_connections.set(open);
    self.connections_changed.notify_waiters();
    if open == 0 {
      release_memory();
    }
  }

  /// The listener is gone (wakes `closed()`).
  pub(super) fn listener_closed(&self) {
    self.connections_changed.notify_waiters();
  }

  /// Whether `stop` was called.
  pub fn is_stopping(&self) -> bool {
    *self.stop_tx.borrow() != Stopping::No
  }

  /// Resolves when the server stopped and every connection closed.
  pub async fn closed(&self) {
    loop {
      let stopping = *self.stop_tx.borrow() != Stopping::No;
      if stopping && self.open_connections.get() == 0 {
        return;
      }
      let mut stop_rx = self.stop_tx.subscribe();
      tokio::select! {
        _ = self.connections_changed.notified() => {}
        _ = stop_rx.changed() => {}
      }
    }
  }

  /// The service: routes and checks in Rust, everything else queued for JS.
  pub(super) fn handle(
    self: &Rc<Self>,
    req: Request<Incoming>,
    peer: &Peer,
    flow: &Arc<Flow>,
  ) -> Pin<
    Box<dyn Future<Output = Result<Response<ResponseBody>, RequestTimedOut>>>,
  > {
    // RFC 9112 §3.2: a 1.1 request without Host is a 400.
    if req.version() == http::Version::HTTP_11
      && !req.headers().contains_key(header::HOST)
    {
      return ready(closing(plain(
        StatusCode::BAD_REQUEST,
        "Missing Host header",
      )));
    }
    // RFC 9112 §6.3: both framings at once is a smuggling attempt. hyper
    // keeps Transfer-Encoding and drops Content-Length; the raw head was
    // checked on the way in (see flow.rs).
    if req.headers().contains_key(header::TRANSFER_ENCODING)
      && flow.take_framing_conflict()
    {
      return ready(closing(plain(
        StatusCode::BAD_REQUEST,
        "Content-Length with Transfer-Encoding",
      )));
    }
    if let Some(length) = content_length(&req)
      && length > self.config.max_request_body_size
    {
      drain_later(req.into_body());
      return ready(closing(plain(
        StatusCode::PAYLOAD_TOO_LARGE,
        "Payload Too Large",
      )));
    }
    let routes = self.routes.borrow().clone();
    let path = normalize_path(req.uri().path());
    let compression = self.config.compression.clone();
    let encoding = compression
      .as_ref()
      .and_then(|c| c.negotiate(req.headers().get(header::ACCEPT_ENCODING)));
    let finish = move |response, cache| match &compression {
      Some(c) => c.apply(encoding, response, cache),
      None => response,
    };
    let (handler, params) = match routes.find(req.method(), &path) {
      Some(found) => match found.target {
        RouteTarget::Static(response) => {
          let not_modified = response.not_modified(req.method(), req.headers());
          let cache = response.compressed.clone();
          return ready(finish(
            static_response(response, not_modified),
            Some(&cache),
          ));
        }
        RouteTarget::File(route) => {
          let route = route.clone();
          let conditions = Conditions::of(req.method(), req.headers());
          let flow = flow.clone();
          return Box::pin(async move {
            let response = match OpenFile::open(&route.source).await {
              Ok(file) => file_response(
                file,
                route.status,
                route.headers.clone(),
                &conditions,
                flow,
              ),
              // Missing, unreadable or a directory: as if no route.
              Err(_) => plain(StatusCode::NOT_FOUND, "Not Found"),
            };
            Ok(finish(response, None))
          });
        }
        RouteTarget::Handler(index) => (Some(*index), found.params),
      },
      None if self.has_fetch.get() => (None, Vec::new()),
      None => return ready(plain(StatusCode::NOT_FOUND, "Not Found")),
    };
    drop(path);
    let (parts, body) = req.into_parts();
    let (tx, rx) = oneshot::channel();
    let gone = Rc::new(ClientGone::default());
    let guard = GoneGuard(gone.clone());
    let timeout = Rc::new(RequestTimeout::default());
    let timeout_in_service = timeout.clone();
    let id = self.requests.insert(InFlight {
      server: self.clone(),
      parts,
      body: Some(body),
      body_read: 0,
      handler,
      params,
      peer: peer.clone(),
      respond: Some(tx),
      gone,
      flow: flow.clone(),
      timeout,
      reading: false,
    });
    self.pending.set(self.pending.get() + 1);
    self.ready.borrow_mut().push_back(id);
    self.ready_notify.notify_one();
    Box::pin(async move {
      tokio::pin!(rx);
      let response = loop {
        let limit = timeout_in_service.get();
        let expired = async {
          match limit {
            Some(limit) => tokio::time::sleep(limit).await,
            None => std::future::pending().await,
          }
        };
        tokio::select! {
          response = &mut rx => break response.unwrap_or_else(|_| {
            // JS dropped the request without answering (runtime shutting down).
            plain(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
          }),
          () = timeout_in_service.changed.notified() => continue,
          () = expired => return Err(RequestTimedOut),
        }
      };
      guard.0.done.set(true);
      drop(guard);
      Ok(finish(response, None))
    })
  }
}

fn ready(
  response: Response<ResponseBody>,
) -> Pin<
  Box<dyn Future<Output = Result<Response<ResponseBody>, RequestTimedOut>>>,
> {
  Box::pin(std::future::ready(Ok(response)))
}

/// Marks a response as the last on its connection.
pub fn closing(mut response: Response<ResponseBody>) -> Response<ResponseBody> {
  response
    .headers_mut()
    .insert(header::CONNECTION, HeaderValue::from_static("close"));
  response
}

/// Largest body read and thrown away after an early error response.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;
/// How long a client gets to finish sending a refused body.
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Reads and discards a refused request body in the background, so that
/// closing the connection does not reset it before the client has read the
/// error response (a lingering close, bounded in bytes and time).
pub fn drain_later(body: Incoming) {
  use http_body_util::BodyExt as _;
  deno_core::unsync::spawn(async move {
    let drain = http_body_util::Limited::new(body, DRAIN_LIMIT).collect();
    let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
  });
}

fn content_length(req: &Request<Incoming>) -> Option<u64> {
  req
    .headers()
    .get(header::CONTENT_LENGTH)?
    .to_str()
    .ok()?
    .parse()
    .ok()
}

/// A short plain-text response for protocol-level answers.
pub fn plain(status: StatusCode, text: &'static str) -> Response<ResponseBody> {
  let mut response =
    Response::new(ResponseBody::full(Bytes::from_static(text.as_bytes())));
  *response.status_mut() = status;
  response.headers_mut().insert(
    header::CONTENT_TYPE,
    HeaderValue::from_static("text/plain;charset=utf-8"),
  );
  response
}

fn static_response(
  response: &super::routes::StaticResponse,
  not_modified: bool,
) -> Response<ResponseBody> {
  if not_modified {
    let mut r = Response::new(ResponseBody::Empty);
    *r.status_mut() = StatusCode::NOT_MODIFIED;
    // RFC 9110 §15.4.5: the validators and caching fields a 200 would carry.
    for name in [
      header::ETAG,
      header::LAST_MODIFIED,
      header::CACHE_CONTROL,
      header::EXPIRES,
      header::VARY,
      header::CONTENT_LOCATION,
    ] {
      for value in response.headers.get_all(&name) {
        r.headers_mut().append(name.clone(), value.clone());
      }
    }
    return r;
  }
  let mut r = Response::new(ResponseBody::full(response.body.clone()));
  *r.status_mut() = response.status;
  *r.headers_mut() = response.headers.clone();
  r
}
