//! Starting, reloading and stopping servers: `Bun.serve`'s options as JS
//! validated them, turned into the server's config and route table.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use deno_core::JsBuffer;
use deno_core::OpState;
use deno_core::op2;
use http::StatusCode;
use serde::Deserialize;
use serde::Serialize;

use crate::ext::http::incoming::requests;
use crate::server::compress::Compression;
use crate::server::conn;
use crate::server::encode::Encoding;
use crate::server::file::FileSource;
use crate::server::group::GroupMember;
use crate::server::listen::ListenAddr;
use crate::server::routes::FileRoute;
use crate::server::routes::RouteError;
use crate::server::routes::RouteSpec;
use crate::server::routes::RouteTable;
use crate::server::routes::RouteTarget;
use crate::server::routes::StaticResponse;
use crate::server::service::ServerConfig;

use super::state::ServeError;
use super::state::ServeState;
use super::state::ordinal;

/// A route target as JS describes it: a handler index, or a static response.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetJs {
  handler: Option<u32>,
  status: Option<u16>,
  headers: Option<Vec<(String, String)>>,
  body: Option<JsBuffer>,
  /// A `Bun.file()` (or a Response of one): served from Rust.
  file: Option<FileJs>,
}

/// A BunFile as JS describes it: path and slice.
#[derive(Deserialize)]
pub struct FileJs {
  path: String,
  start: f64,
  /// End of the slice, or negative for the end of the file.
  end: f64,
}

impl FileJs {
  fn source(self) -> FileSource {
    file_source(self.path, self.start, self.end)
  }
}

/// JS numbers (byte offsets below 2^53) to a [`FileSource`].
pub(super) fn file_source(path: String, start: f64, end: f64) -> FileSource {
  FileSource {
    path: path.into(),
    start: start.max(0.0) as u64,
    end: (end >= 0.0).then_some(end as u64),
  }
}

/// One entry of `routes`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteJs {
  path: String,
  any: Option<TargetJs>,
  methods: Option<Vec<(String, TargetJs)>>,
}

/// What `Bun.serve` passes down after validating in JS.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServeOptions {
  hostname: String,
  port: u16,
  unix: Option<String>,
  /// Seconds; 0 disables.
  idle_timeout: f64,
  max_request_body_size: f64,
  has_fetch: bool,
  routes: Vec<RouteJs>,
  /// Bun's `tls` option (PEM text), when serving HTTPS.
  tls: Option<crate::server::tls::TlsOptions>,
  /// Offer HTTP/2 by ALPN on TLS (Bun's `http2`; on unless `false`).
  http2: bool,
  /// rt's `compression` option, validated in JS.
  compression: Option<CompressionJs>,
  /// Bun's `reusePort`.
  #[serde(default)]
  reuse_port: bool,
}

/// `compression` as JS resolved it.
#[derive(Deserialize)]
pub struct CompressionJs {
  /// Tokens, most preferred first (`br`, `zstd`, `gzip`, `deflate`).
  encodings: Vec<String>,
  threshold: f64,
  level: Option<u32>,
}

impl CompressionJs {
  fn build(self) -> Compression {
    Compression {
      encodings: self
        .encodings
        .iter()
        .filter_map(|t| Encoding::from_token(t))
        .collect(),
      threshold: self.threshold.max(0.0) as u64,
      level: self.level,
    }
  }
}

/// What JS learns about a started server.
#[derive(Serialize)]
pub struct ServeInfo {
  id: u32,
  port: Option<u16>,
  address: Option<String>,
}

fn target(path: &str, js: TargetJs) -> Result<RouteTarget, RouteError> {
  if let Some(index) = js.handler {
    return Ok(RouteTarget::Handler(index));
  }
  if let Some(file) = js.file {
    let status = StatusCode::from_u16(js.status.unwrap_or(200))
      .map_err(|_| RouteError::BadHeader(path.to_string()))?;
    return Ok(RouteTarget::File(std::sync::Arc::new(FileRoute::new(
      path,
      file.source(),
      status,
      &js.headers.unwrap_or_default(),
    )?)));
  }
  let body = js
    .body
    .map(|b| Bytes::copy_from_slice(&b))
    .unwrap_or_default();
  let response = StaticResponse::new(
    path,
    js.status.unwrap_or(200),
    &js.headers.unwrap_or_default(),
    body,
  )?;
  Ok(RouteTarget::Static(std::sync::Arc::new(response)))
}

fn route_table(routes: Vec<RouteJs>) -> Result<RouteTable, RouteError> {
  let mut specs = Vec::with_capacity(routes.len());
  for route in routes {
    let any = route.any.map(|t| target(&route.path, t)).transpose()?;
    let methods = route
      .methods
      .map(|list| {
        list
          .into_iter()
          .map(|(m, t)| Ok((m, target(&route.path, t)?)))
          .collect::<Result<Vec<_>, RouteError>>()
      })
      .transpose()?;
    specs.push(RouteSpec {
      path: route.path,
      methods,
      any,
    });
  }
  if specs.is_empty() {
    Ok(RouteTable::empty())
  } else {
    RouteTable::new(specs)
  }
}

/// `Bun.serve(options)`: starts a server (listening when this returns);
/// its id, port and address for JS.
#[op2]
#[serde]
pub(crate) fn op_serve_start(
  state: &mut OpState,
  #[serde] options: ServeOptions,
) -> Result<ServeInfo, ServeError> {
  let routes = route_table(options.routes)?;
  let listen = match options.unix {
    Some(path) => ListenAddr::Unix(path.into()),
    None => ListenAddr::Tcp {
      hostname: options.hostname,
      port: options.port,
    },
  };
  let config = ServerConfig {
    listen,
    idle_timeout: (options.idle_timeout > 0.0)
      .then(|| Duration::from_secs_f64(options.idle_timeout)),
    max_request_body_size: options.max_request_body_size as u64,
    tls: match &options.tls {
      Some(tls) => Some(Arc::new(crate::server::tls::server_config(
        tls,
        options.http2,
      )?)),
      None => None,
    },
    compression: options.compression.map(|c| Arc::new(c.build())),
    reuse_port: options.reuse_port,
  };
  let member = state.try_borrow::<GroupMember>().cloned();
  let requests = requests(state).clone();
  let serve = state.borrow_mut::<ServeState>();
  let id = serve.next_server + 1;
  let place = member.as_ref().map(|m| (m, ordinal(id)));
  let server = conn::start(config, routes, options.has_fetch, requests, place)?;
  serve.next_server = id;
  let addr = server.local_addr();
  serve.servers.insert(id, server);
  Ok(ServeInfo {
    id,
    port: addr.map(|a| a.port()),
    address: addr.map(|a| a.ip().to_string()),
  })
}

/// Requests this server has received and not answered yet.
#[op2(fast)]
pub(crate) fn op_serve_pending(state: &mut OpState, #[smi] server: u32) -> u32 {
  state
    .borrow::<ServeState>()
    .servers
    .get(&server)
    .map_or(0, |s| s.pending_requests() as u32)
}

/// Swaps routes and the fetch flag (`server.reload`).
#[op2]
pub(crate) fn op_serve_reload(
  state: &mut OpState,
  #[smi] server: u32,
  #[serde] routes: Vec<RouteJs>,
  has_fetch: bool,
) -> Result<(), ServeError> {
  let table = route_table(routes)?;
  state
    .borrow::<ServeState>()
    .server(server)?
    .reload(table, has_fetch);
  Ok(())
}

/// `server.reload({ tls })`: new handshakes get these certificates; false
/// when the server was started without TLS (left plain, as Bun does).
#[op2]
pub(crate) fn op_serve_reload_tls(
  state: &mut OpState,
  #[smi] server: u32,
  #[serde] tls: crate::server::tls::TlsOptions,
  http2: bool,
) -> Result<bool, ServeError> {
  let setup = crate::server::tls::server_config(&tls, http2)?;
  Ok(
    state
      .borrow::<ServeState>()
      .server(server)?
      .reload_tls(setup),
  )
}

/// Stops a server (see [`Server::stop`]).
#[op2(fast)]
pub(crate) fn op_serve_stop(
  state: &mut OpState,
  #[smi] server: u32,
  force: bool,
) {
  if let Some(found) = state.borrow::<ServeState>().servers.get(&server) {
    found.stop(force);
  }
  // A replica's socket is the group's: close it too, or the kernel would go
  // on queueing connections on it that nothing accepts.
  if let Some(member) = state.try_borrow::<GroupMember>() {
    member.release(ordinal(server));
  }
}

/// Resolves once a stopped server's connections have all closed.
#[op2]
pub(crate) async fn op_serve_closed(
  state: Rc<RefCell<OpState>>,
  #[smi] server: u32,
) {
  let found = state
    .borrow()
    .borrow::<ServeState>()
    .servers
    .get(&server)
    .cloned();
  if let Some(found) = found {
    found.closed().await;
    state
      .borrow_mut()
      .borrow_mut::<ServeState>()
      .servers
      .remove(&server);
  }
}
