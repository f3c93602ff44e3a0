//! WebSockets in plain Rust, shared by `Bun.serve` and the `WebSocket`
//! client: a [`Socket`] handle JS sends through, one connection task per
//! socket ([`conn`]) on tokio-tungstenite, the per-server pub/sub [`hub`],
//! and the event queue JS drains.

pub mod backplane;
pub mod conn;
pub mod deflate;
pub mod hub;
pub mod park;
pub mod prefixed;

use std::cell::Cell;
use std::cell::RefCell;
use std::collections::HashMap;
use std::collections::HashSet;
use std::collections::VecDeque;
use std::future::Future;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU32;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;

use std::task::Poll;

use bytes::Bytes;
use futures::task::AtomicWaker;
use tokio::sync::Notify;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::Utf8Bytes;

pub use conn::Closed;
pub use conn::ConnOptions;
pub use hub::Hub;

/// What happened on a socket, for JS (codes shared with `ext/ws/40_socket.js`).
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
  /// A client connection failed before opening (payload: message).
  Error = 8,
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
  /// Whether the closing handshake completed (Close only).
  pub clean: bool,
  /// Message, ping/pong data, close reason or error message.
  pub payload: Payload,
}

/// A server's queue of socket events, drained by JS.
#[derive(Default)]
pub struct Events {
  queue: RefCell<VecDeque<Event>>,
  notify: Notify,
  /// Sockets whose task is still running.
  live: Cell<usize>,
}

impl Events {
  /// Queues an event for JS and wakes a waiter.
  pub(crate) fn push(&self, kind: EventKind, socket: u32, payload: Payload) {
    self.queue.borrow_mut().push_back(Event {
      kind,
      socket,
      code: 0,
      clean: false,
      payload,
    });
    self.notify.notify_one();
  }

  fn push_close(&self, socket: u32, closed: Closed) {
    self.queue.borrow_mut().push_back(Event {
      kind: EventKind::Close,
      socket,
      code: closed.code,
      clean: closed.clean,
      payload: Payload::Text(closed.reason.into()),
    });
    self.notify.notify_one();
  }

  /// Sockets whose connection is still open (`server.pendingWebSockets`).
  pub fn live(&self) -> usize {
    self.live.get()
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
pub(crate) enum Outgoing {
  Message(Message, usize),
  Close(u16, String),
  Terminate,
}

/// A socket's outgoing queue: JS and publishers push, the connection task
/// pops. Unlike a channel it can hold no memory while empty (a tokio
/// channel keeps a 32-slot block, about 2 KiB, for every socket).
#[derive(Default)]
pub(crate) struct Outbox {
  queue: Mutex<VecDeque<Outgoing>>,
  waker: AtomicWaker,
  /// The connection task is gone: nothing more is taken.
  closed: AtomicBool,
}

impl Outbox {
  fn queue(&self) -> std::sync::MutexGuard<'_, VecDeque<Outgoing>> {
    self.queue.lock().unwrap_or_else(|e| e.into_inner())
  }

  /// Queues `out`; `false` once the connection task is gone.
  fn push(&self, out: Outgoing) -> bool {
    if self.closed.load(Ordering::Acquire) {
      return false;
    }
    self.queue().push_back(out);
    self.waker.wake();
    true
  }

  /// The next queued item, if any.
  pub(crate) fn try_recv(&self) -> Option<Outgoing> {
    self.queue().pop_front()
  }

  /// Waits for the next item (cancel-safe: nothing is taken unless ready).
  pub(crate) async fn recv(&self) -> Outgoing {
    std::future::poll_fn(|cx| {
      if let Some(out) = self.try_recv() {
        return Poll::Ready(out);
      }
      self.waker.register(cx.waker());
      // Re-check: a push may have landed before the register.
      match self.try_recv() {
        Some(out) => Poll::Ready(out),
        None => Poll::Pending,
      }
    })
    .await
  }

  /// Frees the queue's buffer if it is empty (a parking connection).
  pub(crate) fn release(&self) {
    let mut queue = self.queue();
    if queue.is_empty() {
      *queue = VecDeque::new();
    }
  }

  /// The connection task ended: later pushes fail, queued items go.
  fn close(&self) {
    self.closed.store(true, Ordering::Release);
    *self.queue() = VecDeque::new();
  }
}

/// One open WebSocket, as JS and publishers reach it.
pub struct Socket {
  id: u32,
  /// Frames waiting to be written, bounded by the backpressure limit.
  pub(crate) outbox: Outbox,
  /// Bytes queued and not yet written to the connection.
  pub(crate) buffered: AtomicUsize,
  /// Until close() or the connection ended.
  pub(crate) open: AtomicBool,
  /// A send reported backpressure: tell JS when the queue empties.
  pub(crate) wants_drain: AtomicBool,
  /// The topics this socket is subscribed to.
  pub(crate) topics: Mutex<HashSet<Arc<str>>>,
  hub: Arc<Hub>,
  limits: SendLimits,
  /// Messages pushed for JS and not yet taken: a failing connection lets
  /// the script answer them first (what it sent goes out before Close).
  unread: AtomicUsize,
  caught_up: Notify,
}

/// When `send` drops messages instead of queueing them.
#[derive(Debug, Clone, Copy)]
pub struct SendLimits {
  /// Unsent bytes past which messages are dropped.
  pub backpressure_limit: usize,
  /// Close the socket instead of dropping.
  pub close_on_backpressure_limit: bool,
}

impl SendLimits {
  /// No limit (the web WebSocket client queues everything).
  pub const UNLIMITED: Self = Self {
    backpressure_limit: usize::MAX,
    close_on_backpressure_limit: false,
  };
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
    if before >= self.limits.backpressure_limit {
      if self.limits.close_on_backpressure_limit {
        self.close(1008, "Backpressure limit exceeded".into());
      }
      return SEND_DROPPED;
    }
    self.buffered.fetch_add(len, Ordering::AcqRel);
    if !self.outbox.push(Outgoing::Message(message, len)) {
      return SEND_DROPPED;
    }
    if before > 0 {
      self.wants_drain.store(true, Ordering::Release);
      SEND_BACKPRESSURE
    } else {
      i64::try_from(len).unwrap_or(i64::MAX)
    }
  }

  /// JS took one of this socket's messages (see [`Socket::caught_up`]).
  pub fn message_taken(&self) {
    if self.unread.fetch_sub(1, Ordering::AcqRel) == 1 {
      self.caught_up.notify_waiters();
    }
  }

  /// Counts a message queued for JS and not taken yet.
  pub(crate) fn message_pushed(&self) {
    self.unread.fetch_add(1, Ordering::AcqRel);
  }

  /// Resolves once JS has taken every message pushed so far.
  pub(crate) async fn caught_up(&self) {
    loop {
      let notified = self.caught_up.notified();
      if self.unread.load(Ordering::Acquire) == 0 {
        return;
      }
      notified.await;
    }
  }

  /// Bytes queued and not yet written.
  pub fn buffered_amount(&self) -> usize {
    self.buffered.load(Ordering::Acquire)
  }

  /// Starts the closing handshake (once); code 0 sends a Close without
  /// a code.
  pub fn close(&self, code: u16, reason: String) {
    if self.open.swap(false, Ordering::AcqRel) {
      self.outbox.push(Outgoing::Close(code, reason));
    }
  }

  /// Drops the connection without a closing handshake.
  pub fn terminate(&self) {
    self.open.store(false, Ordering::Release);
    self.outbox.push(Outgoing::Terminate);
  }

  /// Whether the socket is subscribed to `topic`.
  pub fn is_subscribed(&self, topic: &str) -> bool {
    self.topics().contains(topic)
  }

  /// The socket's topics.
  pub fn subscriptions(&self) -> Vec<String> {
    self.topics().iter().map(|t| t.to_string()).collect()
  }

  /// The subscribed topics, locked.
  pub(crate) fn topics(&self) -> std::sync::MutexGuard<'_, HashSet<Arc<str>>> {
    self.topics.lock().unwrap_or_else(|e| e.into_inner())
  }
}

/// Every socket of a runtime by id, for the ops.
pub type Registry = Rc<RefCell<HashMap<u32, Arc<Socket>>>>;

static NEXT_SOCKET: AtomicU32 = AtomicU32::new(1);

/// Registers a socket and starts its task: `connect` produces the
/// connection (a server upgrade, a client handshake), then the task runs
/// it until it closes and reports `Open`, messages and `Close` to `events`.
/// Returns the socket's id at once; JS may send before the open.
pub fn spawn<S, F>(
  registry: &Registry,
  events: &Rc<Events>,
  hub: Arc<Hub>,
  limits: SendLimits,
  options: ConnOptions,
  connect: F,
) -> u32
where
  S: park::Parkable,
  F: Future<Output = Result<(WebSocketStream<S>, Payload), String>> + 'static,
{
  let id = NEXT_SOCKET.fetch_add(1, Ordering::Relaxed).max(1);
  let socket = Arc::new(Socket {
    id,
    outbox: Outbox::default(),
    buffered: AtomicUsize::new(0),
    open: AtomicBool::new(true),
    wants_drain: AtomicBool::new(false),
    topics: Mutex::default(),
    hub,
    limits,
    unread: AtomicUsize::new(0),
    caught_up: Notify::new(),
  });
  registry.borrow_mut().insert(id, socket.clone());
  events.live.set(events.live.get() + 1);
  let events = events.clone();
  let registry = registry.clone();
  // Boxed before the task captures it: a captured future keeps its full
  // size in the task for the socket's life, after the handshake is done.
  let connect = Box::pin(connect);
  deno_core::unsync::spawn(async move {
    let closed = match connect.await {
      Ok((ws, opened)) => {
        events.push(EventKind::Open, id, opened);
        conn::drive(Box::new(ws), &socket, &events, &options).await
      }
      Err(message) => {
        events.push(EventKind::Error, id, Payload::Text(message.into()));
        Closed::abnormal()
      }
    };
    socket.open.store(false, Ordering::Release);
    socket.outbox.close();
    socket.hub.forget(&socket);
    registry.borrow_mut().remove(&id);
    events.live.set(events.live.get().saturating_sub(1));
    events.push_close(id, closed);
  });
  id
}
