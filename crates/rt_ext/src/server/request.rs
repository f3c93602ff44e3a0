//! Requests waiting for JS: the table they wait in, and what JS may ask of
//! one (its URL, whether it has a body, the body itself within the
//! server's size limit), decided here once for every op that asks.

use std::cell::Cell;
use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::BuildHasherDefault;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::Response;
use http::header;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use tokio::sync::Notify;
use tokio::sync::oneshot;

use super::body::ResponseBody;
use super::body::too_large;
use super::flow::Flow;
use super::types::Peer;
use super::types::RequestId;
use super::ws::WsServer;
use crate::errors::Code;
use crate::errors::Coded;
use crate::util::latch::Latch;

/// Why a request body could not be read to its end.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
  /// The body exceeded `maxRequestBodySize`; the client already got a 413.
  #[error("Request body is larger than maxRequestBodySize ({0} bytes)")]
  TooLarge(u64),
  /// The connection failed while the body was being read.
  #[error("Failed to read the request body: {0}")]
  Read(String),
}

impl Coded for BodyError {
  fn code(&self) -> Code {
    match self {
      Self::TooLarge(_) => Code::BodyTooLarge,
      Self::Read(_) => Code::BodyReadReset,
    }
  }
}

crate::coded_error!(BodyError);

/// What a server's requests share with it: its limits, its count of
/// requests not answered yet, and its WebSocket side.
#[derive(Default)]
pub struct ServerShared {
  /// Largest request body accepted; bigger ones get 413.
  pub max_request_body_size: u64,
  /// The server speaks HTTPS (request URLs say `https:`).
  pub tls: bool,
  /// Requests received and not answered yet (`server.pendingRequests`).
  pub pending: Cell<usize>,
  /// The `websocket` handler's side, once `Bun.serve` configured one.
  pub websocket: RefCell<Option<Rc<WsServer>>>,
}

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

  /// Resolves when the limit is set again.
  pub(super) async fn changed(&self) {
    self.changed.notified().await;
  }
}

/// Whether the client went away before its response was delivered: set
/// once, by the response or by the client leaving, whichever comes first.
#[derive(Default)]
pub struct ClientGone {
  settled: Latch,
  gone: Cell<bool>,
}

impl ClientGone {
  /// Resolves `true` when the client disconnects before its response, or
  /// `false` once the response has been handed to the connection.
  pub async fn wait(&self) -> bool {
    self.settled.wait().await;
    self.gone.get()
  }

  fn settle(&self, gone: bool) {
    if !self.settled.is_set() {
      self.gone.set(gone);
      self.settled.set();
    }
  }
}

/// Settles [`ClientGone`] as gone when the service future is dropped
/// unanswered; [`GoneGuard::answered`] settles it the other way first.
pub(super) struct GoneGuard(Rc<ClientGone>);

impl GoneGuard {
  /// Watches `gone` until dropped.
  pub(super) fn new(gone: Rc<ClientGone>) -> Self {
    Self(gone)
  }

  /// The response reached the connection.
  pub(super) fn answered(self) {
    self.0.settle(false);
  }
}

impl Drop for GoneGuard {
  fn drop(&mut self) {
    self.0.settle(true);
  }
}

/// A request waiting for JS.
pub struct InFlight {
  /// What it shares with the server it arrived on.
  pub server: Rc<ServerShared>,
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
  /// Sends the response (a no-op when the client is gone or it was sent).
  pub fn send(&mut self, response: Response<ResponseBody>) {
    if let Some(tx) = self.respond.take() {
      let _ = tx.send(response);
    }
  }

  /// The absolute request URL, as Bun builds it: from the Host header
  /// (`localhost` without one), the server's scheme and the target.
  pub fn url(&self) -> String {
    let uri = &self.parts.uri;
    if uri.scheme().is_some() {
      return uri.to_string();
    }
    let host = self
      .parts
      .headers
      .get(header::HOST)
      .and_then(|h| h.to_str().ok())
      .map(str::to_string)
      .or_else(|| uri.authority().map(|a| a.to_string()))
      .unwrap_or_else(|| "localhost".into());
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let scheme = if self.server.tls { "https" } else { "http" };
    format!("{scheme}://{host}{path}")
  }

  /// Whether the request declares or may carry a body.
  pub fn has_body(&self) -> bool {
    // HTTP/2 frames bodies itself: a stream whose headers did not end it
    // carries one, with or without a length.
    if self.parts.version == http::Version::HTTP_2 {
      use http_body::Body as _;
      return self.body.as_ref().is_some_and(|b| !b.is_end_stream());
    }
    let h = &self.parts.headers;
    h.contains_key(header::TRANSFER_ENCODING)
      || h
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() != b"0")
  }

  /// Counts `bytes` more of the body; `true` once past the server's limit.
  fn count_body(&mut self, bytes: usize) -> bool {
    self.body_read += bytes as u64;
    self.body_read > self.server.max_request_body_size
  }

  /// Answers 413 at once and closes the connection: nothing more is read.
  fn reject_too_large(&mut self) {
    self.send(too_large());
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
  /// Adds a request; its id for JS.
  pub(super) fn insert(&self, request: InFlight) -> RequestId {
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
  /// then it stays until the body ends.
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

  /// The next chunk of request `id`'s body (`Ok(None)` at its end), for a
  /// JS stream reading it; `None` when no such request is waiting. Past
  /// the server's limit the client gets 413 and the rest is drained.
  pub async fn read_chunk(
    &self,
    id: RequestId,
  ) -> Option<Result<Option<Bytes>, BodyError>> {
    let body = self.with(id, |r| {
      r.reading = true;
      r.body.take()
    })?;
    let Some(mut body) = body else {
      self.body_ended(id);
      return Some(Ok(None));
    };
    loop {
      let data = match body.frame().await {
        None => {
          self.body_ended(id);
          return Some(Ok(None));
        }
        Some(Err(e)) => {
          self.body_ended(id);
          return Some(Err(BodyError::Read(e.to_string())));
        }
        Some(Ok(frame)) => match frame.into_data() {
          // HTTP/2 may end a stream with an empty DATA frame; a byte
          // stream refuses empty chunks.
          Ok(data) if !data.is_empty() => data,
          // Empty data, or trailers.
          _ => continue,
        },
      };
      let over = self.with(id, |r| {
        let over = r.count_body(data.len());
        if over {
          r.reject_too_large();
        }
        over.then_some(r.server.max_request_body_size)
      });
      if let Some(Some(limit)) = over {
        drain_later(body);
        return Some(Err(BodyError::TooLarge(limit)));
      }
      self.with(id, |r| r.body = Some(body));
      return Some(Ok(Some(data)));
    }
  }

  /// The rest of request `id`'s body, whole (`text()`, `json()`...);
  /// `None` when no such request is waiting.
  pub async fn read_all(
    &self,
    id: RequestId,
  ) -> Option<Result<Vec<u8>, BodyError>> {
    let (body, limit, mut read) = self.with(id, |r| {
      (r.body.take(), r.server.max_request_body_size, r.body_read)
    })?;
    let Some(mut body) = body else {
      return Some(Ok(Vec::new()));
    };
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
      let frame = match frame {
        Ok(frame) => frame,
        Err(e) => return Some(Err(BodyError::Read(e.to_string()))),
      };
      let Ok(data) = frame.into_data() else {
        continue; // trailers
      };
      // Counted here, not in the record: a handler may answer (and its
      // record go) before the read ends, and the limit still holds.
      read += data.len() as u64;
      if read > limit {
        self.with(id, InFlight::reject_too_large);
        drain_later(body);
        return Some(Err(BodyError::TooLarge(limit)));
      }
      out.extend_from_slice(&data);
    }
    Some(Ok(out))
  }

  /// JS read a request's body to its end (or failed to): the record goes
  /// if the request was answered meanwhile.
  fn body_ended(&self, id: RequestId) {
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

/// Largest body read and thrown away after an early error response.
const DRAIN_LIMIT: usize = 16 * 1024 * 1024;
/// How long a client gets to finish sending a refused body.
const DRAIN_TIME: Duration = Duration::from_secs(2);

/// Reads and discards a refused request body in the background, so that
/// closing the connection does not reset it before the client has read the
/// error response (a lingering close, bounded in bytes and time).
pub fn drain_later(body: Incoming) {
  deno_core::unsync::spawn(async move {
    let drain = http_body_util::Limited::new(body, DRAIN_LIMIT).collect();
    let _ = tokio::time::timeout(DRAIN_TIME, drain).await;
  });
}
