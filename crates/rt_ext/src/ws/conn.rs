//! One WebSocket connection, server or client side: reads frames into the
//! event queue and writes what the socket queued, batching whatever is
//! waiting into one flush, until a closing handshake (RFC 6455 §7) ends it.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use futures::SinkExt as _;
use futures::StreamExt as _;
use futures::stream::SplitSink;
use futures::stream::SplitStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::EventKind;
use super::Events;
use super::Outbox;
use super::Outgoing;
use super::Payload;
use super::Socket;
use super::park::ParkState;
use super::park::Parkable;

/// How long a server socket must be idle before it parks.
const PARK_AFTER: Duration = Duration::from_millis(250);

/// How long a closing handshake may wait for the peer's Close.
const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Per-connection protocol settings.
#[derive(Debug, Clone)]
pub struct ConnOptions {
  /// Largest message (and frame) accepted; bigger ones close with 1009.
  pub max_payload_length: usize,
  /// Close a connection that sent nothing for this long.
  pub idle_timeout: Option<Duration>,
  /// Ping an idle connection once before closing it.
  pub send_pings: bool,
  /// The client side reports the code the peer answered our Close with
  /// (the WHATWG `CloseEvent`); a server reports the one its script sent
  /// (Bun's `close` handler).
  pub report_peer_answer: bool,
}

impl ConnOptions {
  /// tungstenite's settings for these options.
  pub fn config(&self) -> WebSocketConfig {
    WebSocketConfig::default()
      .max_message_size(Some(self.max_payload_length))
      .max_frame_size(Some(self.max_payload_length))
      .read_buffer_size(4 * 1024)
      // Messages queued together go out in one write: the writer feeds
      // them all, then flushes.
      .write_buffer_size(64 * 1024)
  }
}

/// How a connection ended, for the `close` handler / `CloseEvent`.
#[derive(Debug)]
pub struct Closed {
  /// The code (1005 when the Close had none, 1006 when there was none).
  pub code: u16,
  /// The reason.
  pub reason: String,
  /// Whether both Close frames were exchanged.
  pub clean: bool,
}

impl Closed {
  /// No closing handshake: 1006.
  pub fn abnormal() -> Self {
    Self {
      code: 1006,
      reason: String::new(),
      clean: false,
    }
  }
}

/// The close code for a failed read (RFC 6455 §7.4.1).
fn error_code(error: &WsError) -> u16 {
  match error {
    WsError::Utf8(_) => 1007,
    WsError::Capacity(_) => 1009,
    WsError::Protocol(_) => 1002,
    _ => 1006,
  }
}

/// Runs one open connection until it closes.
pub(crate) async fn drive<S: Parkable>(
  ws: Box<WebSocketStream<S>>,
  socket: &Arc<Socket>,
  events: &Events,
  options: &ConnOptions,
) -> Closed {
  let rx = &socket.outbox;
  let park = ws.get_ref().park_state();
  let pinged = Cell::new(false);
  let mut next = Start::Stream(ws);
  let mut first: Option<Outgoing> = None;
  let mut failed: Option<Ended> = None;
  let (ended, sink, stream) = loop {
    // Boxed: the stream and the reading and writing state exist only while
    // active, so a parked connection's task holds little more than its
    // socket.
    let active = Box::pin(run(
      next,
      socket,
      rx,
      events,
      options,
      park.as_deref(),
      &pinged,
      first.take(),
      failed.take(),
    ));
    let mut io = match active.await {
      Active::Ended(ended, sink, stream) => break (ended, sink, stream),
      Active::Parked(io) => io,
    };
    match wait_parked(&mut io, rx, socket, options, &pinged).await {
      Wake::Read => {}
      Wake::Send(out) => first = Some(out),
      Wake::IdleTimeout => {
        failed = Some(Ended::idle_timeout());
      }
    }
    next = Start::Socket(io);
  };
  // Boxed: runs once, at the end; a parked task need not hold its state.
  Box::pin(finish(ended, sink, stream, socket, rx, options)).await
}

/// Completes the closing handshake (or fails the connection) after `ended`.
async fn finish<S: Parkable>(
  ended: Ended,
  mut sink: SplitSink<WebSocketStream<S>, Message>,
  mut stream: SplitStream<WebSocketStream<S>>,
  socket: &Arc<Socket>,
  rx: &Outbox,
  options: &ConnOptions,
) -> Closed {
  // Failing connections stay writable until the script caught up.
  if !matches!(ended, Ended::Failed(..)) {
    socket.open.store(false, Ordering::Release);
  }
  match ended {
    Ended::Peer((code, reason)) => {
      // tungstenite queued the Close reply; write it out.
      let _ = tokio::time::timeout(CLOSE_WAIT, sink.flush()).await;
      Closed {
        code,
        reason,
        clean: true,
      }
    }
    Ended::Local(code, reason) => {
      // The writer sent our Close; the peer's answer (usually the same
      // code) is what the handshake ended with.
      let answer = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(message)) = stream.next().await {
          if let Message::Close(frame) = message {
            return Some(frame);
          }
        }
        None
      })
      .await;
      match answer {
        Ok(Some(_)) if !options.report_peer_answer => Closed {
          code,
          reason,
          clean: true,
        },
        Ok(Some(Some(frame))) => Closed {
          code: u16::from(frame.code),
          reason: frame.reason.to_string(),
          clean: true,
        },
        Ok(Some(None)) => Closed {
          code: 1005,
          reason: String::new(),
          clean: true,
        },
        _ => Closed {
          code,
          reason,
          clean: false,
        },
      }
    }
    Ended::Failed(code, reason) => {
      // RFC 6455 §7.1.7 _Fail the WebSocket Connection_: send Close and
      // drop the connection without waiting for the peer. Messages that
      // arrived before the failure are answered first: JS takes them, and
      // what it sent in reply is written ahead of the Close.
      let _ = tokio::time::timeout(CLOSE_WAIT, async {
        socket.caught_up().await;
        socket.open.store(false, Ordering::Release);
        while let Some(Outgoing::Message(message, len)) = rx.try_recv() {
          if sink.feed(message).await.is_err() {
            break;
          }
          socket.buffered.fetch_sub(len, Ordering::AcqRel);
        }
      })
      .await;
      let frame = CloseFrame {
        code: CloseCode::from(code),
        reason: reason.clone().into(),
      };
      let _ = tokio::time::timeout(
        CLOSE_WAIT,
        sink.send(Message::Close(Some(frame))),
      )
      .await;
      Closed {
        code,
        reason,
        clean: false,
      }
    }
    Ended::Terminated | Ended::Gone => Closed::abnormal(),
  }
}

/// What an active stretch starts from.
enum Start<S> {
  /// The stream the connection opened with.
  Stream(Box<WebSocketStream<S>>),
  /// A parked socket: a fresh stream over it.
  Socket(S),
}

/// How an active stretch of a connection ended.
enum Active<S> {
  /// The connection is closing, for this reason.
  Ended(
    Ended,
    SplitSink<WebSocketStream<S>, Message>,
    SplitStream<WebSocketStream<S>>,
  ),
  /// Nothing is pending either way: the socket alone, to park.
  Parked(S),
}

/// Reads and writes until the connection closes or, when it can park,
/// until it is idle.
#[allow(clippy::too_many_arguments)]
async fn run<S: Parkable>(
  start: Start<S>,
  socket: &Arc<Socket>,
  rx: &Outbox,
  events: &Events,
  options: &ConnOptions,
  park: Option<&ParkState>,
  pinged: &Cell<bool>,
  mut first: Option<Outgoing>,
  failed: Option<Ended>,
) -> Active<S> {
  let id = socket.id();
  let ws = match start {
    Start::Stream(ws) => *ws,
    // Only server sockets park (see `ws::park`).
    Start::Socket(io) => {
      WebSocketStream::from_raw_socket(io, Role::Server, Some(options.config()))
        .await
    }
  };
  let (mut sink, mut stream) = ws.split();
  if let Some(ended) = failed {
    return Active::Ended(ended, sink, stream);
  }

  // Reads until the peer closes or fails; returns why.
  let reader = async {
    loop {
      let next = match options.idle_timeout {
        Some(idle) => match tokio::time::timeout(idle, stream.next()).await {
          Ok(next) => next,
          Err(_) if ping_once(socket, options, pinged) => continue,
          Err(_) => return Ended::idle_timeout(),
        },
        None => stream.next().await,
      };
      pinged.set(false);
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
            socket.message_pushed();
            events.push(EventKind::Text, id, Payload::Text(text))
          }
          Message::Binary(bytes) => {
            socket.message_pushed();
            events.push(EventKind::Binary, id, Payload::Binary(bytes))
          }
          Message::Ping(bytes) => {
            events.push(EventKind::Ping, id, Payload::Binary(bytes))
          }
          Message::Pong(bytes) => {
            events.push(EventKind::Pong, id, Payload::Binary(bytes))
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
    let mut woken_by = first.take();
    loop {
      let out = match woken_by.take() {
        Some(out) => out,
        None => rx.recv().await,
      };
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
            // Code 0: a Close without a code (WHATWG close() with none).
            let frame = (code != 0).then(|| CloseFrame {
              code: CloseCode::from(code),
              reason: reason.clone().into(),
            });
            let _ = sink.send(Message::Close(frame)).await;
            let code = if code == 0 { 1005 } else { code };
            return Ended::Local(code, reason);
          }
          Outgoing::Terminate => return Ended::Terminated,
        }
        next = rx.try_recv();
      }
      if sink.flush().await.is_err() {
        return Ended::Gone;
      }
      let left = socket.buffered.fetch_sub(written, Ordering::AcqRel) - written;
      if left == 0 && socket.wants_drain.swap(false, Ordering::AcqRel) {
        events.push(EventKind::Drain, id, Payload::None);
      }
    }
  };

  // Ready when reader and writer (polled first) have both been idle for
  // PARK_AFTER: parking and resuming cost more than a message, so a busy
  // socket stays active.
  let mut quiet_since: Option<(u64, std::pin::Pin<Box<tokio::time::Sleep>>)> =
    None;
  let idle = std::future::poll_fn(|cx| {
    let Some(state) = park else {
      return Poll::Pending;
    };
    if !state.idle() {
      return Poll::Pending;
    }
    let reads = state.reads();
    match &mut quiet_since {
      Some((since, timer)) if *since == reads => timer.as_mut().poll(cx),
      Some((since, timer)) => {
        *since = reads;
        timer
          .as_mut()
          .reset(tokio::time::Instant::now() + PARK_AFTER);
        timer.as_mut().poll(cx)
      }
      None => {
        let mut timer = Box::pin(tokio::time::sleep(PARK_AFTER));
        let ready = timer.as_mut().poll(cx);
        quiet_since = Some((reads, timer));
        ready
      }
    }
  });

  let step = tokio::select! {
    biased;
    ended = reader => Some(ended),
    ended = writer => Some(ended),
    () = idle => None,
  };
  match step {
    Some(ended) => Active::Ended(ended, sink, stream),
    None => match sink.reunite(stream) {
      Ok(whole) => Active::Parked(whole.into_inner()),
      Err(halves) => Active::Ended(Ended::Gone, halves.0, halves.1),
    },
  }
}

/// Why a parked connection resumed.
enum Wake {
  /// The socket has input (or ended).
  Read,
  /// The script queued this.
  Send(Outgoing),
  /// Nothing arrived for the idle timeout (after the ping, if any).
  IdleTimeout,
}

/// The idle timeout passed: pings the peer if the options ask for it and
/// it was not pinged since it last sent something (`true`: keep waiting),
/// else the connection is to close (`false`).
fn ping_once(
  socket: &Socket,
  options: &ConnOptions,
  pinged: &Cell<bool>,
) -> bool {
  if options.send_pings && !pinged.get() {
    pinged.set(true);
    socket.send(Message::Ping(Bytes::new()));
    return true;
  }
  false
}

/// Waits while parked; the idle timeout and its ping carry on as if the
/// reader were waiting.
async fn wait_parked<S: Parkable>(
  io: &mut S,
  rx: &Outbox,
  socket: &Socket,
  options: &ConnOptions,
  pinged: &Cell<bool>,
) -> Wake {
  rx.release();
  let idle = async {
    match options.idle_timeout {
      Some(limit) => tokio::time::sleep(limit).await,
      None => std::future::pending().await,
    }
  };
  tokio::pin!(idle);
  loop {
    tokio::select! {
      biased;
      out = rx.recv() => return Wake::Send(out),
      () = std::future::poll_fn(|cx| io.poll_fill(cx)) => return Wake::Read,
      () = &mut idle => {
        // A ping is queued on `rx`: the next turn resumes to send it.
        if !ping_once(socket, options, pinged) {
          return Wake::IdleTimeout;
        }
      }
    }
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

impl Ended {
  /// Nothing arrived for the idle timeout (RFC 6455 1001 Going Away).
  fn idle_timeout() -> Self {
    Self::Failed(1001, "Idle timeout".into())
  }
}
