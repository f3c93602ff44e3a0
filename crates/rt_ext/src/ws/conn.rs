//! One WebSocket connection, server or client side: reads frames into the
//! event queue and writes what the socket queued, batching whatever is
//! waiting into one flush, until a closing handshake (RFC 6455 §7) ends it.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use futures::SinkExt as _;
use futures::StreamExt as _;
use tokio::io::AsyncRead;
use tokio::io::AsyncWrite;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::error::Error as WsError;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::EventKind;
use super::Events;
use super::Outgoing;
use super::Payload;
use super::Socket;

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
pub(crate) async fn drive<S: AsyncRead + AsyncWrite + Unpin>(
  ws: WebSocketStream<S>,
  socket: &Arc<Socket>,
  mut rx: mpsc::UnboundedReceiver<Outgoing>,
  events: &Events,
  options: &ConnOptions,
) -> Closed {
  let id = socket.id();
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
            socket.send(Message::Ping(Bytes::new()));
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
        next = rx.try_recv().ok();
      }
      if sink.flush().await.is_err() {
        return Ended::Gone;
      }
      let left = socket.buffered.fetch_sub(written, Ordering::AcqRel) - written;
      if left == 0 && socket.wants_drain.swap(false, Ordering::AcqRel) {
        events.push(EventKind::Drain, id, Payload::None);
      }
    }
    Ended::Gone
  };

  let ended = tokio::select! {
    ended = reader => ended,
    ended = writer => ended,
  };
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
        while let Ok(Outgoing::Message(message, len)) = rx.try_recv() {
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
