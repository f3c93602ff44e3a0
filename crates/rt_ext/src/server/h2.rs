//! HTTP/2 connections: chosen by ALPN `h2` on TLS, or by the client's
//! connection preface on a plain TCP socket (prior knowledge, "h2c").
//!
//! Requests go through the same [`Server::handle`] as HTTP/1.1, so routes,
//! streaming bodies, `request.signal` (a reset stream drops the exchange),
//! `server.timeout` and `requestIP` behave alike. hyper's HTTP/2 server
//! spawns a task per stream; rt's request futures hold `Rc`s, so streams
//! run on the connection's thread ([`LocalExec`]).

use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http2;
use hyper_util::rt::TokioIo;
use hyper_util::rt::TokioTimer;
use tokio::io::AsyncRead;
use tokio::io::AsyncWrite;
use tokio::sync::watch;

use super::flow::Flow;
use super::service::Server;
use super::service::exchange_service;
use super::types::Peer;
use super::types::Stopping;

/// What a client sends first on an HTTP/2 connection (RFC 9113 §3.4).
pub const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Streams one connection may have open at once (RFC 9113 suggests at
/// least 100; more lets one client hold more of the server).
const MAX_CONCURRENT_STREAMS: u32 = 128;

/// Largest header list accepted, as the HTTP/1.1 head limit.
const MAX_HEADER_LIST_BYTES: u32 = 16 * 1024;

/// Streams a client may reset before the server saw them, against Rapid
/// Reset floods (CVE-2023-44487); past it the connection gets GOAWAY.
const MAX_PENDING_RESETS: usize = 64;

/// Streams the server may reset for protocol errors before it gives up on
/// the client.
const MAX_LOCAL_RESETS: usize = 256;

/// Runs hyper's per-stream tasks on the current thread.
#[derive(Clone, Copy)]
pub struct LocalExec;

impl<F> hyper::rt::Executor<F> for LocalExec
where
  F: Future + 'static,
  F::Output: 'static,
{
  fn execute(&self, future: F) {
    deno_core::unsync::spawn(future);
  }
}

/// The HTTP/2 settings every connection of a server shares.
pub fn builder() -> http2::Builder<LocalExec> {
  let mut builder = http2::Builder::new(LocalExec);
  builder
    .timer(TokioTimer::new())
    .max_concurrent_streams(MAX_CONCURRENT_STREAMS)
    .max_header_list_size(MAX_HEADER_LIST_BYTES)
    .max_pending_accept_reset_streams(MAX_PENDING_RESETS)
    .max_local_error_reset_streams(MAX_LOCAL_RESETS)
    // Answers CONNECT with :protocol (RFC 8441) instead of refusing it.
    .enable_connect_protocol();
  builder
}

/// Serves one HTTP/2 connection until it closes; on the server's stop it
/// sends GOAWAY and drains (graceful) or drops everything (forced). A
/// connection with no request for `idle` (checked every `idle`, so after
/// one to two of them) gets GOAWAY the same way; open streams, such as
/// WebSockets, finish first.
pub(super) async fn serve<T>(
  server: Rc<Server>,
  builder: Rc<http2::Builder<LocalExec>>,
  io: T,
  peer: Peer,
  mut stop_rx: watch::Receiver<Stopping>,
  idle: Duration,
) where
  T: AsyncRead + AsyncWrite + Unpin + 'static,
{
  let flow = Arc::new(Flow::unpaced());
  let service = exchange_service(server, flow.clone(), peer);
  let mut conn = pin!(builder.serve_connection(TokioIo::new(io), service));
  let mut graceful = false;
  let mut seen = flow.begun();
  let mut idle_check =
    tokio::time::interval_at(tokio::time::Instant::now() + idle, idle);
  loop {
    if !graceful {
      match *stop_rx.borrow_and_update() {
        Stopping::Force => return,
        Stopping::Graceful => {
          graceful = true;
          conn.as_mut().graceful_shutdown();
        }
        Stopping::No => {}
      }
    }
    tokio::select! {
      _ = conn.as_mut() => return,
      _ = idle_check.tick(), if !graceful => {
        let begun = flow.begun();
        if begun == seen && !flow.busy() {
          graceful = true;
          conn.as_mut().graceful_shutdown();
        }
        seen = begun;
      }
      changed = stop_rx.changed() => {
        if changed.is_err() {
          // The server is gone: finish what is in flight.
          let _ = conn.as_mut().await;
          return;
        }
      }
    }
  }
}
