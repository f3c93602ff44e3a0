//! `Bun.serve`'s per-runtime state: the servers and their requests, the
//! errors the ops throw, and `rt serve`'s flags.

use std::collections::HashMap;
use std::rc::Rc;

use bytes::Bytes;
use deno_core::OpState;
use deno_core::op2;
use http_body::Frame;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::server::body::StreamAborted;
use crate::server::routes::RouteError;
use crate::server::service::Server;
use crate::server::types::ServerError;
use crate::server::ws::WsServer;

/// Errors from serve ops; the variant picks the JS class.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum ServeError {
  /// A bad `routes` object.
  #[class(inherit)]
  #[error(transparent)]
  Route(#[from] RouteError),
  /// Listening failed.
  #[class(inherit)]
  #[error(transparent)]
  Server(#[from] ServerError),
  /// A bad `tls` option.
  #[class(inherit)]
  #[error(transparent)]
  Tls(#[from] crate::server::tls::TlsError),
  /// A server id that is not (or no longer) known.
  #[class(type)]
  #[error("Server is not running")]
  NoServer,
  /// A status outside 200..=599 (after JS mapped 1xx away) or a bad header.
  #[class(type)]
  #[error("{0}")]
  InvalidResponse(String),
  /// The request is no longer waiting for its body to be read.
  #[class(type)]
  #[error("Body already used")]
  BodyUsed,
  /// A file response that cannot be opened (Node's code and message).
  #[class(inherit)]
  #[error(transparent)]
  File(#[from] crate::ext::node::fs::NodeError),
}

/// Per-runtime serve state in `OpState`.
#[derive(Default)]
pub struct ServeState {
  /// Running servers by id (ids count from 1 in start order).
  pub(super) servers: HashMap<u32, Rc<Server>>,
  /// The last server id handed out.
  pub(super) next_server: u32,
  /// Streamed responses JS is writing, by id.
  pub(super) streams:
    HashMap<u32, mpsc::Sender<Result<Frame<Bytes>, StreamAborted>>>,
  /// The last stream id handed out.
  pub(super) next_stream: u32,
}

impl ServeState {
  /// A running server by id.
  pub(crate) fn server_by_id(&self, id: u32) -> Option<Rc<Server>> {
    self.servers.get(&id).cloned()
  }

  /// The WebSocket side of a running server, if it has a `websocket`
  /// handler.
  pub(super) fn websocket(&self, id: u32) -> Option<Rc<WsServer>> {
    self.servers.get(&id)?.websocket()
  }

  /// A running server by id, or the error for a stopped one.
  pub(super) fn server(&self, id: u32) -> Result<Rc<Server>, ServeError> {
    self.server_by_id(id).ok_or(ServeError::NoServer)
  }
}

/// A server's place in its start order (ids count from 1): the same
/// number names the same server in every replica of `--workers`.
pub(super) fn ordinal(id: u32) -> usize {
  id.saturating_sub(1) as usize
}

/// `rt serve` flags: they override `port`/`hostname` of every server the
/// script starts, and make rt print the listening URL.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServeOverrides {
  /// `--port`.
  pub port: Option<u16>,
  /// `--hostname`.
  pub hostname: Option<String>,
  /// Print `Listening on <url>` for each server.
  pub announce: bool,
}

/// The `rt serve` overrides, or null under `rt run`.
#[op2]
#[serde]
pub(crate) fn op_rt_serve_overrides(
  state: &mut OpState,
) -> Option<ServeOverrides> {
  state.try_borrow::<ServeOverrides>().cloned()
}

/// Every running server of this runtime (for shutdown on a signal).
pub fn servers(state: &OpState) -> Vec<Rc<Server>> {
  state
    .borrow::<ServeState>()
    .servers
    .values()
    .cloned()
    .collect()
}
