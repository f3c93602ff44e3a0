//! One `Bun.serve` server and its service: routes, static and file
//! responses and protocol checks answered in Rust; everything else queued
//! as an [`InFlight`] request for JS, whose answer the service awaits.
//!
//! Everything runs on the JS thread's single-threaded tokio runtime, like
//! Bun's event loop: connections are local tasks, and a request that needs
//! JS is parked in the [`InFlightTable`] until JS answers it. Static routes
//! and protocol errors (400, 404, 413, 431) are answered here without
//! entering JS at all.

use std::cell::Cell;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use futures::FutureExt as _;
use http::Request;
use http::Response;
use http::StatusCode;
use http::header;
use hyper::body::Incoming;
use tokio::sync::Notify;
use tokio::sync::oneshot;
use tokio::sync::watch;

use super::body::ResponseBody;
use super::body::closing;
use super::body::plain;
use super::body::too_large;
use super::compress::Compression;
use super::file::OpenFile;
use super::file_response::file_response;
use super::flow::Flow;
use super::flow::Tracked;
use super::listen::ListenAddr;
use super::request::ClientGone;
use super::request::GoneGuard;
use super::request::InFlight;
use super::request::InFlightTable;
use super::request::RequestTimeout;
use super::request::ServerShared;
use super::request::drain_later;
use super::routes::RouteTable;
use super::routes::RouteTarget;
use super::routes::StaticResponse;
use super::routes::normalize_path;
use super::tls::TlsSetup;
use super::types::Peer;
use super::types::RequestId;
use super::types::RequestTimedOut;
use super::types::Stopping;
use super::validators::Conditions;
use super::ws::WsServer;

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

/// One `Bun.serve` server.
pub struct Server {
  config: ServerConfig,
  /// New handshakes take the current one (`server.reload({ tls })`).
  tls: RefCell<Option<Arc<TlsSetup>>>,
  routes: RefCell<Rc<RouteTable>>,
  has_fetch: Cell<bool>,
  requests: Rc<InFlightTable>,
  /// Limits, the pending count and the WebSocket side, which requests
  /// hold too.
  shared: Rc<ServerShared>,
  ready: RefCell<VecDeque<RequestId>>,
  ready_notify: Notify,
  open_connections: Cell<usize>,
  connections_changed: Notify,
  stop_tx: watch::Sender<Stopping>,
  local_addr: Option<SocketAddr>,
}

impl Server {
  /// A server bound at `local_addr` (none for a unix socket); its
  /// requests for JS go into `requests`. Connections come from the accept
  /// loop `conn::start` runs.
  pub(super) fn new(
    mut config: ServerConfig,
    routes: RouteTable,
    has_fetch: bool,
    requests: Rc<InFlightTable>,
    local_addr: Option<SocketAddr>,
  ) -> Rc<Server> {
    let (stop_tx, _) = watch::channel(Stopping::No);
    // The limit and the TLS setup live where they are read: the limit in
    // what requests share, the setup where `reload({ tls })` swaps it.
    let tls = config.tls.take();
    let shared = Rc::new(ServerShared {
      max_request_body_size: config.max_request_body_size,
      tls: tls.is_some(),
      ..ServerShared::default()
    });
    Rc::new(Server {
      local_addr,
      tls: RefCell::new(tls),
      config,
      routes: RefCell::new(Rc::new(routes)),
      has_fetch: Cell::new(has_fetch),
      requests,
      shared,
      ready: RefCell::new(VecDeque::new()),
      ready_notify: Notify::new(),
      open_connections: Cell::new(0),
      connections_changed: Notify::new(),
      stop_tx,
    })
  }

  /// The bound TCP address (none for unix sockets).
  pub fn local_addr(&self) -> Option<SocketAddr> {
    self.local_addr
  }

  /// Requests received and not answered yet.
  pub fn pending_requests(&self) -> usize {
    self.shared.pending.get()
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
    *self.shared.websocket.borrow_mut() = ws;
  }

  /// The WebSocket side, when the server has a `websocket` handler.
  pub fn websocket(&self) -> Option<Rc<WsServer>> {
    self.shared.websocket.borrow().clone()
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

  /// Close connections idle for this long (`None`: never).
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
      && length > self.shared.max_request_body_size
    {
      drain_later(req.into_body());
      return ready(too_large());
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
    let guard = GoneGuard::new(gone.clone());
    let timeout = Rc::new(RequestTimeout::default());
    let timeout_in_service = timeout.clone();
    let id = self.requests.insert(InFlight {
      server: self.shared.clone(),
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
    let pending = &self.shared.pending;
    pending.set(pending.get() + 1);
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
          () = timeout_in_service.changed() => continue,
          () = expired => return Err(RequestTimedOut),
        }
      };
      guard.answered();
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

fn content_length(req: &Request<Incoming>) -> Option<u64> {
  req
    .headers()
    .get(header::CONTENT_LENGTH)?
    .to_str()
    .ok()?
    .parse()
    .ok()
}

fn static_response(
  response: &StaticResponse,
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

/// hyper's service for one connection, HTTP/1.1 or HTTP/2: each request
/// goes to [`Server::handle`], its response body carrying the exchange it
/// belongs to (see `flow.rs`).
pub(super) fn exchange_service(
  server: Rc<Server>,
  flow: Arc<Flow>,
  peer: Peer,
) -> impl hyper::service::Service<
  http::Request<hyper::body::Incoming>,
  Response = http::Response<Tracked<ResponseBody>>,
  Error = RequestTimedOut,
  Future: Unpin + 'static,
> + Unpin
+ 'static {
  hyper::service::service_fn(move |req| {
    let exchange = flow.begin();
    server
      .handle(req, &peer, &flow)
      .map(move |result| result.map(|r| r.map(|b| Tracked::new(b, exchange))))
  })
}
