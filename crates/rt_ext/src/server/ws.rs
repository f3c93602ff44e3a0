//! The server side of WebSockets: the opening handshake (RFC 6455 §4.2)
//! and a server's sockets, hub and event queue. The connections themselves
//! run in [`crate::ws`].

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use std::future::Future;

use http::HeaderMap;
use http::header;
use tokio::io::AsyncRead;
use tokio::io::AsyncWrite;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::Role;

use tokio_util::either::Either;

use crate::ws::ConnOptions;
use crate::ws::Events;
use crate::ws::Hub;
use crate::ws::Payload;
use crate::ws::Registry;
use crate::ws::SendLimits;
use crate::ws::Socket;
use crate::ws::deflate::DeflateIo;
use crate::ws::deflate::DeflateParams;
use crate::ws::park::Watch;

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
  /// Negotiate permessage-deflate when the client offers it.
  pub per_message_deflate: bool,
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
      per_message_deflate: false,
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

/// RFC 8441 §4-5: a WebSocket over HTTP/2 is an extended CONNECT with
/// `:protocol` websocket and `sec-websocket-version: 13`; there is no key
/// to answer, the 200 itself accepts.
pub fn check_extended_connect(
  parts: &http::request::Parts,
) -> Result<(), UpgradeError> {
  let protocol = parts.extensions.get::<hyper::ext::Protocol>();
  if parts.method != http::Method::CONNECT
    || !protocol.is_some_and(|p| p.as_str().eq_ignore_ascii_case("websocket"))
  {
    return Err(UpgradeError::NotUpgrade);
  }
  if parts
    .headers
    .get(header::SEC_WEBSOCKET_VERSION)
    .is_none_or(|v| v.as_bytes() != b"13")
  {
    return Err(UpgradeError::BadKey);
  }
  Ok(())
}

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

impl WsServer {
  /// A server side sharing the runtime's socket registry, publishing
  /// through `hub` (its own, or the one its replicas share).
  pub fn new(options: WsOptions, registry: Registry, hub: Arc<Hub>) -> Self {
    Self {
      options: RefCell::new(options),
      hub,
      events: Rc::default(),
      registry,
    }
  }

  /// Starts a socket for a request being upgraded: its task waits for
  /// `upgrade` to hand over the connection (the socket after a 101, or an
  /// HTTP/2 stream after a 200). Returns its id.
  pub fn accept<S, F>(&self, upgrade: F, deflate: Option<DeflateParams>) -> u32
  where
    S: AsyncRead + AsyncWrite + Unpin + 'static,
    F: Future<Output = Result<S, String>> + 'static,
  {
    let options = self.options.borrow().clone();
    let conn = ConnOptions {
      max_payload_length: options.max_payload_length,
      idle_timeout: options.idle_timeout,
      send_pings: options.send_pings,
      report_peer_answer: false,
    };
    let config = conn.config();
    let max_message = options.max_payload_length;
    let limits = SendLimits {
      backpressure_limit: options.backpressure_limit,
      close_on_backpressure_limit: options.close_on_backpressure_limit,
    };
    crate::ws::spawn(
      &self.registry,
      &self.events,
      self.hub.clone(),
      limits,
      conn,
      async move {
        let io = upgrade.await?;
        let io = match deflate {
          Some(params) => {
            Either::Right(Box::new(DeflateIo::new(io, params, max_message)))
          }
          None => Either::Left(io),
        };
        let ws = WebSocketStream::from_raw_socket(
          Watch::new(io),
          Role::Server,
          Some(config),
        )
        .await;
        Ok((ws, Payload::None))
      },
    )
  }

  /// Closes every socket (1001 Going Away), or drops them (`force`).
  pub fn close_all(&self, force: bool) {
    let sockets: Vec<Arc<Socket>> =
      self.registry.borrow().values().cloned().collect();
    for socket in sockets {
      if !Arc::ptr_eq(socket.hub(), &self.hub) {
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
