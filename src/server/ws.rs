//! Server WebSockets in plain Rust: the upgrade handshake (RFC 6455 §4.2),
//! one task per connection on tokio-tungstenite, and the pub/sub hub.
//!
//! A connection task reads frames into the server's event queue for JS and
//! writes what JS (or a publish) queued on the socket. Publishing never
//! enters JS per subscriber: [`Hub::publish`] builds the frame once (its
//! payload is shared, reference-counted) and queues it on every subscriber.
//! Topics live in a [`DashMap`] so several JS threads can share a hub later.

use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::HashSet;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use dashmap::DashMap;
use futures::SinkExt as _;
use futures::StreamExt as _;
use http::HeaderMap;
use http::header;
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::sync::Notify;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use tokio_tungstenite::tungstenite::error::CapacityError;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

/// The `websocket` handler's options (Bun's names and defaults).
#[derive(Debug, Clone)]
pub struct WsOptions {
  /// Largest message accepted; bigger ones close with 1009.
  pub max_payload_length: usize,
  /// Close a connection that sent nothing for this long.
  pub idle_timeout: Option<Duration>,
  /// Unsent bytes past which `send` drops messages.
  pub backpressure_limit: usize,
  /// Close instead of dropping when over the limit.
  pub close_on_backpressure_limit: bool,
  /// Ping an idle connection before closing it.
  pub send_pings: bool,
  /// `ws.publish` also delivers to the publisher.
  pub publish_to_self: bool,
}

impl Default for WsOptions {
  fn default() -> Self {
    Self {
      max_payload_length: 16 * 1024 * 1024,
      idle_timeout: Some(Duration::from_secs(120)),
      backpressure_limit: 16 * 1024 * 1024,
      close_on_backpressure_limit: false,
      send_pings: true,
      publish_to_self: false,
    }
  }
}

/// How long a closing handshake may wait for the peer's Close.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// What happened on a socket, for JS (codes shared with js/71_websocket.js).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum EventKind {
  /// The handshake completed.
  Open = 1,
  /// A text message (payload: text).
  Text = 2,
  /// A binary message (payload: bytes).
  Binary = 3,
  /// The connection closed (code; payload: reason).
  Close = 4,
  /// Queued data was all written after a send reported backpressure.
  Drain = 5,
  /// A ping arrived (payload: bytes); the pong is sent automatically.
  Ping = 6,
  /// A pong arrived (payload: bytes).
  Pong = 7,
}

/// An event's data.
#[derive(Debug)]
pub enum Payload {
  /// Nothing.
  None,
  /// Text (validated UTF-8).
  Text(Utf8Bytes),
  /// Bytes.
  Binary(Bytes),
}

/// One event for JS.
#[derive(Debug)]
pub struct Event {
  /// What happened.
  pub kind: EventKind,
  /// The socket it happened on.
  pub socket: u32,
  /// The close code (Close only).
  pub code: u16,
  /// Message, ping/pong data or close reason.
  pub payload: Payload,
}

/// A server's queue of socket events, drained by JS.
#[derive(Default)]
pub struct Events {
  queue: RefCell<VecDeque<Event>>,
  notify: Notify,
  /// Sockets whose task is still running.
  live: std::cell::Cell<usize>,
}

impl Events {
  fn push(&self, kind: EventKind, socket: u32, code: u16, payload: Payload) {
    self.queue.borrow_mut().push_back(Event {
      kind,
      socket,
      code,
      payload,
    });
    self.notify.notify_one();
  }

  /// The next event, if one is queued.
  pub fn take(&self) -> Option<Event> {
    self.queue.borrow_mut().pop_front()
  }

  /// Waits for an event; `false` when none can come (no live sockets and
  /// `more` says no new ones will be accepted).
  pub async fn wait(&self, more: impl Fn() -> bool) -> bool {
    loop {
      if !self.queue.borrow().is_empty() {
        return true;
      }
      if self.live.get() == 0 && !more() {
        return false;
      }
      self.notify.notified().await;
    }
  }

  /// Wakes a waiter to re-check `more` (the server stopped).
  pub fn wake(&self) {
    self.notify.notify_one();
  }
}

/// What a socket's writer is asked to do.
enum Outgoing {
  Message(Message, usize),
  Close(u16, String),
  Terminate,
}

/// One open WebSocket, as JS and publishers reach it.
pub struct Socket {
  id: u32,
  tx: mpsc::UnboundedSender<Outgoing>,
  /// Bytes queued and not yet written to the connection.
  buffered: AtomicUsize,
  /// Until close() or the connection ended.
  open: AtomicBool,
  /// A send reported backpressure: tell JS when the queue empties.
  wants_drain: AtomicBool,
  topics: Mutex<HashSet<Arc<str>>>,
  hub: Arc<Hub>,
  backpressure_limit: usize,
  close_on_backpressure_limit: bool,
}

/// `send`'s answer, as Bun reports it.
pub const SEND_DROPPED: i64 = 0;
/// Queued behind unsent data.
pub const SEND_BACKPRESSURE: i64 = -1;

impl Socket {
  /// The socket's id.
  pub fn id(&self) -> u32 {
    self.id
  }

  /// The pub/sub hub of its server.
  pub fn hub(&self) -> &Arc<Hub> {
    &self.hub
  }

  /// Queues a message: its length when nothing was waiting before it,
  /// [`SEND_BACKPRESSURE`] when queued behind unsent data, [`SEND_DROPPED`]
  /// when closed or over the backpressure limit.
  pub fn send(&self, message: Message) -> i64 {
    let len = message.len();
    if !self.open.load(Ordering::Acquire) {
      return SEND_DROPPED;
    }
    let before = self.buffered.load(Ordering::Acquire);
    if before >= self.backpressure_limit {
      if self.close_on_backpressure_limit {
        self.close(1008, "Backpressure limit exceeded".into());
      }
      return SEND_DROPPED;
    }
    self.buffered.fetch_add(len, Ordering::AcqRel);
    if self.tx.send(Outgoing::Message(message, len)).is_err() {
      return SEND_DROPPED;
    }
    if before > 0 {
      self.wants_drain.store(true, Ordering::Release);
      SEND_BACKPRESSURE
    } else {
      i64::try_from(len).unwrap_or(i64::MAX)
    }
  }

  /// Bytes queued and not yet written.
  pub fn buffered_amount(&self) -> usize {
    self.buffered.load(Ordering::Acquire)
  }

  /// Starts the closing handshake (once).
  pub fn close(&self, code: u16, reason: String) {
    if self.open.swap(false, Ordering::AcqRel) {
      let _ = self.tx.send(Outgoing::Close(code, reason));
    }
  }

  /// Drops the connection without a closing handshake.
  pub fn terminate(&self) {
    self.open.store(false, Ordering::Release);
    let _ = self.tx.send(Outgoing::Terminate);
  }

  /// Sends a ping or pong control frame (payload up to 125 bytes).
  pub fn control(&self, message: Message) -> i64 {
    self.send(message)
  }

  /// Whether the socket is subscribed to `topic`.
  pub fn is_subscribed(&self, topic: &str) -> bool {
    self.topics().contains(topic)
  }

  /// The socket's topics.
  pub fn subscriptions(&self) -> Vec<String> {
    self.topics().iter().map(|t| t.to_string()).collect()
  }

  fn topics(&self) -> std::sync::MutexGuard<'_, HashSet<Arc<str>>> {
    self.topics.lock().unwrap_or_else(|e| e.into_inner())
  }
}

/// Topics and their subscribers, for one server.
#[derive(Default)]
pub struct Hub {
  topics: DashMap<Arc<str>, HashMap<u32, Arc<Socket>>>,
}

impl Hub {
  /// Subscribes; `false` if it already was.
  pub fn subscribe(&self, socket: &Arc<Socket>, topic: &str) -> bool {
    if !socket.open.load(Ordering::Acquire) {
      return false;
    }
    let topic: Arc<str> = Arc::from(topic);
    if !socket.topics().insert(topic.clone()) {
      return false;
    }
    self
      .topics
      .entry(topic)
      .or_default()
      .insert(socket.id, socket.clone());
    true
  }

  /// Unsubscribes; `false` if it was not subscribed.
  pub fn unsubscribe(&self, socket: &Socket, topic: &str) -> bool {
    if !socket.topics().remove(topic) {
      return false;
    }
    self.remove_from(topic, socket.id);
    true
  }

  fn remove_from(&self, topic: &str, socket: u32) {
    let emptied = match self.topics.get_mut(topic) {
      Some(mut subscribers) => {
        subscribers.remove(&socket);
        subscribers.is_empty()
      }
      None => false,
    };
    if emptied {
      self.topics.remove_if(topic, |_, s| s.is_empty());
    }
  }

  /// Subscribers of `topic`.
  pub fn subscriber_count(&self, topic: &str) -> usize {
    self.topics.get(topic).map_or(0, |s| s.len())
  }

  /// Queues `message` on every subscriber of `topic` but `exclude`: the
  /// message's length if any subscriber took it, else 0.
  pub fn publish(
    &self,
    topic: &str,
    message: Message,
    exclude: Option<u32>,
  ) -> i64 {
    let Some(subscribers) = self.topics.get(topic) else {
      return SEND_DROPPED;
    };
    let len = i64::try_from(message.len()).unwrap_or(i64::MAX);
    let mut delivered = false;
    for (id, socket) in subscribers.iter() {
      if Some(*id) != exclude && socket.send(message.clone()) != SEND_DROPPED {
        delivered = true;
      }
    }
    if delivered { len } else { SEND_DROPPED }
  }

  fn forget(&self, socket: &Socket) {
    let topics: Vec<Arc<str>> = socket.topics().drain().collect();
    for topic in topics {
      self.remove_from(&topic, socket.id);
    }
  }
}

/// Why a request cannot be upgraded (JS's `upgrade()` returns false).
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
  /// Not a GET with `Upgrade: websocket` and `Connection: upgrade`.
  #[error("not a WebSocket upgrade request")]
  NotUpgrade,
  /// Missing or malformed `Sec-WebSocket-Key`, or a version other than 13.
  #[error("invalid Sec-WebSocket-Key or Sec-WebSocket-Version")]
  BadKey,
}

fn has_token(
  headers: &HeaderMap,
  name: header::HeaderName,
  token: &str,
) -> bool {
  headers.get_all(name).iter().any(|v| {
    v.to_str()
      .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
  })
}

/// RFC 6455 §4.2.1: checks the opening handshake; returns the
/// `Sec-WebSocket-Accept` value.
pub fn accept_key(
  method: &http::Method,
  headers: &HeaderMap,
) -> Result<String, UpgradeError> {
  if method != http::Method::GET
    || !has_token(headers, header::UPGRADE, "websocket")
    || !has_token(headers, header::CONNECTION, "upgrade")
  {
    return Err(UpgradeError::NotUpgrade);
  }
  if headers
    .get(header::SEC_WEBSOCKET_VERSION)
    .is_none_or(|v| v.as_bytes() != b"13")
  {
    return Err(UpgradeError::BadKey);
  }
  let key = headers
    .get(header::SEC_WEBSOCKET_KEY)
    .ok_or(UpgradeError::BadKey)?;
  // §4.1: a base64-encoded 16-byte nonce is 24 characters ending "==".
  let valid = key.len() == 24
    && key.as_bytes().ends_with(b"==")
    && key.as_bytes()[..22]
      .iter()
      .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/');
  if !valid {
    return Err(UpgradeError::BadKey);
  }
  Ok(
    tokio_tungstenite::tungstenite::handshake::derive_accept_key(
      key.as_bytes(),
    ),
  )
}

/// Every socket of a runtime by id, for the ops.
pub type Registry = Rc<RefCell<HashMap<u32, Arc<Socket>>>>;

/// A server's WebSocket side: its options, hub and event queue.
pub struct WsServer {
  /// The `websocket` handler's options.
  pub options: RefCell<WsOptions>,
  /// Topics.
  pub hub: Arc<Hub>,
  /// Events for JS.
  pub events: Rc<Events>,
  registry: Registry,
}

static NEXT_SOCKET: AtomicU32 = AtomicU32::new(1);

impl WsServer {
  /// A server side sharing the runtime's socket registry.
  pub fn new(options: WsOptions, registry: Registry) -> Self {
    Self {
      options: RefCell::new(options),
      hub: Arc::default(),
      events: Rc::default(),
      registry,
    }
  }

  /// Registers a socket for a request being upgraded and starts its task,
  /// which waits for hyper to hand over the connection. Returns its id.
  pub fn accept(&self, upgrade: OnUpgrade) -> u32 {
    let id = NEXT_SOCKET.fetch_add(1, Ordering::Relaxed).max(1);
    let options = self.options.borrow().clone();
    let (tx, rx) = mpsc::unbounded_channel();
    let socket = Arc::new(Socket {
      id,
      tx,
      buffered: AtomicUsize::new(0),
      open: AtomicBool::new(true),
      wants_drain: AtomicBool::new(false),
      topics: Mutex::default(),
      hub: self.hub.clone(),
      backpressure_limit: options.backpressure_limit,
      close_on_backpressure_limit: options.close_on_backpressure_limit,
    });
    self.registry.borrow_mut().insert(id, socket.clone());
    self.events.live.set(self.events.live.get() + 1);
    let events = self.events.clone();
    let registry = self.registry.clone();
    deno_core::unsync::spawn(async move {
      let (code, reason) = run(upgrade, &socket, rx, &events, &options).await;
      socket.open.store(false, Ordering::Release);
      socket.hub.forget(&socket);
      registry.borrow_mut().remove(&socket.id);
      events.live.set(events.live.get().saturating_sub(1));
      events.push(
        EventKind::Close,
        socket.id,
        code,
        Payload::Text(reason.into()),
      );
    });
    id
  }

  /// Closes every socket (1001 Going Away), or drops them (`force`).
  pub fn close_all(&self, force: bool) {
    let sockets: Vec<Arc<Socket>> =
      self.registry.borrow().values().cloned().collect();
    for socket in sockets {
      if !Arc::ptr_eq(&socket.hub, &self.hub) {
        continue;
      }
      if force {
        socket.terminate();
      } else {
        socket.close(1001, "Server is shutting down".into());
      }
    }
    self.events.wake();
  }
}

/// The close code for a failed read (RFC 6455 §7.4.1).
fn error_code(error: &WsError) -> u16 {
  match error {
    WsError::Utf8(_) => 1007,
    WsError::Capacity(CapacityError::MessageTooLong { .. }) => 1009,
    WsError::Capacity(_) => 1009,
    WsError::Protocol(_) => 1002,
    _ => 1006,
  }
}

type Ws = WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>;

/// Runs one connection until it closes; returns the close code and reason
/// JS's `close` handler gets.
async fn run(
  upgrade: OnUpgrade,
  socket: &Arc<Socket>,
  mut rx: mpsc::UnboundedReceiver<Outgoing>,
  events: &Events,
  options: &WsOptions,
) -> (u16, String) {
  let Ok(upgraded) = upgrade.await else {
    return (1006, String::new());
  };
  let config = WebSocketConfig::default()
    .max_message_size(Some(options.max_payload_length))
    .max_frame_size(Some(options.max_payload_length))
    .read_buffer_size(16 * 1024)
    .write_buffer_size(0);
  let ws: Ws = WebSocketStream::from_raw_socket(
    TokioIo::new(upgraded),
    Role::Server,
    Some(config),
  )
  .await;
  events.push(EventKind::Open, socket.id, 0, Payload::None);
  let (mut sink, mut stream) = ws.split();

  // Reads until the peer closes or fails; returns why.
  let reader = async {
    let mut pinged = false;
    loop {
      let next = match options.idle_timeout {
        Some(idle) => match tokio::time::timeout(idle, stream.next()).await {
          Ok(next) => next,
          Err(_) if options.send_pings && !pinged => {
            pinged = true;
            socket.control(Message::Ping(Bytes::new()));
            continue;
          }
          Err(_) => return Ended::Failed(1001, "Idle timeout".into()),
        },
        None => stream.next().await,
      };
      pinged = false;
      match next {
        None => return Ended::Gone,
        Some(Err(error)) => {
          let code = error_code(&error);
          return if code == 1006 {
            Ended::Gone
          } else {
            Ended::Failed(code, error.to_string())
          };
        }
        Some(Ok(message)) => match message {
          Message::Text(text) => {
            events.push(EventKind::Text, socket.id, 0, Payload::Text(text))
          }
          Message::Binary(bytes) => {
            events.push(EventKind::Binary, socket.id, 0, Payload::Binary(bytes))
          }
          Message::Ping(bytes) => {
            events.push(EventKind::Ping, socket.id, 0, Payload::Binary(bytes))
          }
          Message::Pong(bytes) => {
            events.push(EventKind::Pong, socket.id, 0, Payload::Binary(bytes))
          }
          Message::Close(frame) => {
            return Ended::Peer(match frame {
              Some(frame) => (u16::from(frame.code), frame.reason.to_string()),
              None => (1005, String::new()),
            });
          }
          Message::Frame(_) => {}
        },
      }
    }
  };

  // Writes what JS and publishers queue; returns when told to close.
  let writer = async {
    while let Some(out) = rx.recv().await {
      let mut written = 0;
      let mut next = Some(out);
      // Batch whatever is queued into one flush.
      while let Some(out) = next.take() {
        match out {
          Outgoing::Message(message, len) => {
            if sink.feed(message).await.is_err() {
              return Ended::Gone;
            }
            written += len;
          }
          Outgoing::Close(code, reason) => {
            let frame = CloseFrame {
              code: CloseCode::from(code),
              reason: reason.clone().into(),
            };
            let _ = sink.send(Message::Close(Some(frame))).await;
            return Ended::Local(code, reason);
          }
          Outgoing::Terminate => return Ended::Terminated,
        }
        next = rx.try_recv().ok();
      }
      if sink.flush().await.is_err() {
        return Ended::Gone;
      }
      let left = socket.buffered.fetch_sub(written, Ordering::AcqRel) - written;
      if left == 0 && socket.wants_drain.swap(false, Ordering::AcqRel) {
        events.push(EventKind::Drain, socket.id, 0, Payload::None);
      }
    }
    Ended::Gone
  };

  let ended = tokio::select! {
    ended = reader => ended,
    ended = writer => ended,
  };
  socket.open.store(false, Ordering::Release);
  match ended {
    Ended::Peer((code, reason)) => {
      // tungstenite queued the Close reply; write it out.
      let _ = tokio::time::timeout(CLOSE_WAIT, sink.flush()).await;
      (code, reason)
    }
    Ended::Local(code, reason) => {
      // The writer sent our Close; wait briefly for the peer's, then drop
      // the connection.
      let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(message)) = stream.next().await {
          if matches!(message, Message::Close(_)) {
            break;
          }
        }
      })
      .await;
      (code, reason)
    }
    Ended::Failed(code, reason) => {
      // RFC 6455 §7.1.7 _Fail the WebSocket Connection_: send Close and
      // drop the connection without waiting for the peer.
      let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.clone().into(),
      };
      let _ = tokio::time::timeout(
        CLOSE_WAIT,
        sink.send(Message::Close(Some(frame))),
      )
      .await;
      (code, reason)
    }
    Ended::Terminated | Ended::Gone => (1006, String::new()),
  }
}

enum Ended {
  /// The peer sent Close.
  Peer((u16, String)),
  /// The script closed (the writer sent the Close).
  Local(u16, String),
  /// The peer broke the protocol or went silent: Close and drop.
  Failed(u16, String),
  /// `terminate()`.
  Terminated,
  /// The connection dropped.
  Gone,
}
