//! Listening and serving client connections.
//!
//! A connection alternates between two states. While a request is being
//! read or answered, hyper serves it (HTTP/1, keep-alive, pipelining). When
//! the client goes quiet between requests, the connection *parks*: hyper's
//! round ends (see `flow.rs`), its parser state and its two 8 KiB buffers
//! are freed, and only the socket is kept until it is readable again. An
//! idle keep-alive connection then costs the socket and this task.
//!
//! A `101 Switching Protocols` also ends hyper's round; the socket and the
//! bytes hyper read past the head go to the WebSocket that asked for them
//! ([`Upgraded`](super::listen::Upgraded)), without hyper's upgrade wrapper
//! in between.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use hyper::server::conn::http1;
use hyper::server::conn::http2;
use hyper_util::rt::TokioTimer;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tokio_util::either::Either;

use super::flow::Flow;
use super::flow::FlowIo;
use super::group::GroupMember;
use super::h2;
use super::listen::Io;
use super::listen::Listener;
use super::listen::Plain;
use super::listen::readable;
use super::listen::socket;
use super::request::InFlightTable;
use super::routes::RouteTable;
use super::service::Server;
use super::service::ServerConfig;
use super::service::exchange_service;
use super::tls::HANDSHAKE_TIMEOUT;
use super::tls::TlsSetup;
use super::types::Peer;
use super::types::ServerError;
use super::types::Stopping;
use crate::ws::prefixed::Prefixed;

/// Largest request head (request line + headers), as Bun's 16 KiB default
/// plus hyper's read slack; larger heads get 431.
const MAX_HEAD_BYTES: usize = 16 * 1024 + 1024;

/// How long a connection may stay silent when idle timeouts are disabled:
/// slow-loris protection stays on regardless.
const FALLBACK_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends a last answer before closing: into the socket's buffer without
/// waiting on a plain socket; through rustls, briefly, on TLS.
async fn answer_and_close(io: &mut Io, bytes: &[u8]) {
  match io {
    Either::Left(Either::Left(s)) => drop(s.try_write(bytes)),
    Either::Left(Either::Right(s)) => drop(s.try_write(bytes)),
    Either::Right(tls) => {
      use tokio::io::AsyncWriteExt as _;
      let write = async {
        tls.write_all(bytes).await?;
        tls.shutdown().await
      };
      let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
    }
  }
}

fn connection_builder(config_idle: Duration) -> http1::Builder {
  let mut builder = http1::Builder::new();
  builder
    .timer(TokioTimer::new())
    .header_read_timeout(config_idle)
    .keep_alive(true)
    // Flush pipelined responses together: 10× for pipelined load.
    .pipeline_flush(true)
    .max_buf_size(MAX_HEAD_BYTES);
  builder
}

/// Starts a server: binds where `config` says (or, in a `--workers`
/// group, takes the socket the group keeps for this server: `place` is
/// this runtime's membership and the server's start order), then accepts
/// on the current local task set until the server stops.
pub fn start(
  mut config: ServerConfig,
  routes: RouteTable,
  has_fetch: bool,
  requests: Rc<InFlightTable>,
  place: Option<(&GroupMember, usize)>,
) -> Result<Rc<Server>, ServerError> {
  if let Some((member, ordinal)) = place {
    config.listen = member.listen_addr(ordinal, config.listen)?;
  }
  let listener = Listener::bind(&config.listen, config.reuse_port)?;
  let local_addr = listener.local_addr();
  let server = Server::new(config, routes, has_fetch, requests, local_addr);
  deno_core::unsync::spawn(accept_loop(server.clone(), listener));
  Ok(server)
}

/// Accepts connections until the server stops.
async fn accept_loop(server: Rc<Server>, listener: Listener) {
  let idle = server.idle_timeout().unwrap_or(FALLBACK_IDLE_TIMEOUT);
  let builder = Rc::new(connection_builder(idle));
  let h2_builder = Rc::new(h2::builder());
  let mut stop_rx = server.subscribe_stop();
  let mut backoff = Backoff::default();
  loop {
    let accepted = tokio::select! {
      accepted = listener.accept() => accepted,
      _ = stop_rx.changed() => break,
    };
    match accepted {
      Ok((io, remote)) => {
        backoff.reset();
        server.connection_opened();
        // Read per connection: `server.reload({ tls })` swaps it.
        let tls = server.tls();
        deno_core::unsync::spawn(serve_connection(
          server.clone(),
          builder.clone(),
          io,
          remote,
          idle,
          tls,
          h2_builder.clone(),
        ));
      }
      // Out of descriptors (or memory): the pending connection stays in
      // the backlog and accept fails again at once, so retrying now would
      // spin a core. Wait, longer each time, while open connections go on.
      Err(e) if is_resource_exhausted(&e) => {
        let delay = backoff.next(&e);
        tokio::select! {
          () = tokio::time::sleep(delay) => {}
          _ = stop_rx.changed() => break,
        }
      }
      // A connection reset before it was accepted: take the next one.
      Err(_) => tokio::task::yield_now().await,
    }
  }
  drop(listener);
  server.listener_closed();
}

/// Whether `accept` failed for want of descriptors or kernel memory.
fn is_resource_exhausted(error: &io::Error) -> bool {
  matches!(
    error.raw_os_error(),
    Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
  )
}

/// The accept loop's growing pause while out of descriptors.
#[derive(Default)]
struct Backoff {
  delay: Duration,
  /// Said once per server, so a long shortage does not flood the log.
  logged: bool,
}

impl Backoff {
  const FIRST: Duration = Duration::from_millis(5);
  const MAX: Duration = Duration::from_secs(1);

  fn next(&mut self, error: &io::Error) -> Duration {
    if !self.logged {
      self.logged = true;
      eprintln!(
        "rt: Bun.serve cannot accept connections ({error}); retrying with back-off while open connections are served"
      );
    }
    self.delay = if self.delay.is_zero() {
      Self::FIRST
    } else {
      (self.delay * 2).min(Self::MAX)
    };
    self.delay
  }

  fn reset(&mut self) {
    self.delay = Duration::ZERO;
  }
}

/// Serves one connection until it closes, parks between requests, or is
/// handed to a WebSocket.
async fn serve_connection(
  server: Rc<Server>,
  builder: Rc<http1::Builder>,
  plain: Plain,
  remote: Option<SocketAddr>,
  idle: Duration,
  tls: Option<Arc<TlsSetup>>,
  h2_builder: Rc<http2::Builder<h2::LocalExec>>,
) {
  let mut peer = Peer {
    addr: remote,
    certificate: None,
  };
  let mut stop_rx = server.subscribe_stop();
  // A TLS client may send its first request with the end of its handshake,
  // left decrypted inside rustls where no socket wait would see it: the
  // first round starts at once (hyper's head timeout guards the silence).
  let (mut io, mut skip_wait) = match tls {
    None => {
      // HTTP/2 with prior knowledge starts with its preface.
      let first = tokio::select! {
        first = starts_with_preface(&plain) => first,
        () = tokio::time::sleep(idle) => None,
        _ = stop_rx.changed() => None,
      };
      let Some(h2) = first else {
        server.connection_closed();
        return;
      };
      if h2 {
        h2::serve(server.clone(), h2_builder, plain, peer, stop_rx, idle).await;
        server.connection_closed();
        return;
      }
      (Either::Left(plain), true)
    }
    Some(setup) => {
      let acceptor = TlsAcceptor::from(setup.config.clone());
      let handshake =
        tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(plain)).await;
      // A failed or stalled handshake: nothing was accepted to answer.
      let Ok(Ok(stream)) = handshake else {
        server.connection_closed();
        return;
      };
      let session = stream.get_ref().1;
      peer.certificate = setup.client_certificate(session).map(Rc::new);
      if session.alpn_protocol() == Some(b"h2") {
        h2::serve(server.clone(), h2_builder, stream, peer, stop_rx, idle)
          .await;
        server.connection_closed();
        return;
      }
      (Either::Right(Box::new(stream)), true)
    }
  };
  let flow = Arc::new(Flow::default());
  let mut read_buf = Bytes::new();
  loop {
    if read_buf.is_empty()
      && !std::mem::take(&mut skip_wait)
      && !wait_for_request(&io, &mut stop_rx, idle).await
    {
      break;
    }
    let service = exchange_service(server.clone(), flow.clone(), peer.clone());
    // Boxed: the task keeps only a pointer to hyper's state while parked.
    let mut conn = Box::new(
      builder
        .serve_connection(FlowIo::new(io, flow.clone(), read_buf), service),
    );
    let ended = drive(&mut conn, &mut stop_rx).await;
    let parts = conn.into_parts();
    let (mut io_back, held) = parts.io.into_inner();
    // Unread input: what hyper buffered, then what the socket wrapper held.
    let unread = match (parts.read_buf.is_empty(), held.is_empty()) {
      (_, true) => detach(parts.read_buf),
      (true, false) => held,
      (false, false) => [&parts.read_buf[..], &held[..]].concat().into(),
    };
    match ended {
      Ended::Done if flow.take_parked() => {
        io = io_back;
        read_buf = unread;
      }
      Ended::Done => {
        if let Some(upgrade) = flow.take_upgrade() {
          let _ = upgrade.send(Prefixed::new(io_back, unread));
        }
        break;
      }
      Ended::ParseError(status) => {
        // hyper queues this answer itself but, with `pipeline_flush`, ends
        // the connection before flushing it.
        let response = format!(
          "HTTP/1.1 {status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
        );
        // Best effort: a few bytes into an idle socket's buffer fit.
        answer_and_close(&mut io_back, response.as_bytes()).await;
        break;
      }
      Ended::Closed => break,
    }
  }
  server.connection_closed();
}

/// The bytes hyper read ahead, without the 8 KiB buffer they sit in (an
/// empty `Bytes` from hyper still holds it).
fn detach(read_buf: Bytes) -> Bytes {
  if read_buf.is_empty() {
    Bytes::new()
  } else {
    Bytes::copy_from_slice(&read_buf)
  }
}

/// Waits for a new plain connection's first bytes; whether they are the
/// HTTP/2 preface (`None`: closed before sending anything). Four bytes
/// tell it from every HTTP/1 method ("PRI " vs "POST", "PUT "...); unix
/// sockets cannot peek and always speak HTTP/1.1.
async fn starts_with_preface(plain: &Plain) -> Option<bool> {
  let tcp = match plain {
    Either::Left(tcp) => tcp,
    Either::Right(unix) => return unix.readable().await.ok().map(|()| false),
  };
  let mut head = [0u8; h2::PREFACE.len()];
  match tcp.peek(&mut head).await {
    Ok(0) | Err(_) => None,
    Ok(n) => Some(n >= 4 && h2::PREFACE.starts_with(&head[..n])),
  }
}

/// Waits, holding only the socket, until the client sends something.
/// `false` when the connection should close instead: idle too long, or the
/// server is stopping (idle connections close at once, as in Bun).
async fn wait_for_request(
  io: &Io,
  stop_rx: &mut watch::Receiver<Stopping>,
  idle: Duration,
) -> bool {
  if *stop_rx.borrow_and_update() != Stopping::No {
    return false;
  }
  tokio::select! {
    readable = readable(socket(io)) => readable.is_ok(),
    () = tokio::time::sleep(idle) => false,
    _ = stop_rx.changed() => false,
  }
}

/// How a hyper round ended.
enum Ended {
  /// Cleanly: the client closed, the connection parked or was upgraded.
  Done,
  /// On a request hyper could not parse, to be answered with this status.
  ParseError(&'static str),
  /// On an I/O error or a forced stop.
  Closed,
}

/// Drives a hyper round to its end, shutting it down gracefully or at once
/// when the server stops.
async fn drive<S, B>(
  conn: &mut http1::Connection<FlowIo<Io>, S>,
  stop_rx: &mut watch::Receiver<Stopping>,
) -> Ended
where
  S: hyper::service::HttpService<hyper::body::Incoming, ResBody = B> + Unpin,
  S::Future: Unpin,
  S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
  B: http_body::Body + 'static,
  B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
  let mut graceful = false;
  let mut server_gone = false;
  while !server_gone {
    if !graceful {
      match *stop_rx.borrow_and_update() {
        Stopping::Force => return Ended::Closed,
        Stopping::Graceful => {
          graceful = true;
          Pin::new(&mut *conn).graceful_shutdown();
        }
        Stopping::No => {}
      }
    }
    let round = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx));
    tokio::select! {
      result = round => {
        return match result {
          Ok(()) => Ended::Done,
          Err(e) => match parse_error_status(&e) {
            Some(status) => Ended::ParseError(status),
            None => Ended::Closed,
          },
        };
      }
      changed = stop_rx.changed() => {
        // Err: the server is gone; finish what is in flight.
        server_gone = changed.is_err();
        if !server_gone && *stop_rx.borrow() == Stopping::Force {
          return Ended::Closed;
        }
      }
    }
  }
  let _ = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)).await;
  Ended::Closed
}

/// The status hyper would answer a malformed request with, if `error` is one.
fn parse_error_status(error: &hyper::Error) -> Option<&'static str> {
  if error.is_parse_too_large() {
    Some("431 Request Header Fields Too Large")
  } else if error.is_parse() {
    Some("400 Bad Request")
  } else {
    None
  }
}
