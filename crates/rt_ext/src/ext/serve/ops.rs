//! Ops adapting [`crate::server`] to `Bun.serve` in `51_serve.js`.
//!
//! The hot path is two crossings per request: `op_serve_take` (fast, hands
//! JS a request id plus route and method codes in a shared buffer) and one
//! `op_serve_respond*` call carrying status, headers and body together.
//! Everything else about a request (URL, headers, body) is fetched only if
//! the script reads it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use deno_core::ByteString;
use deno_core::JsBuffer;
use deno_core::OpState;
use deno_core::ToJsBuffer;
use deno_core::op2;
use http::HeaderValue;
use http::Response;
use http::StatusCode;
use http::header;
use http_body::Frame;
use serde::Deserialize;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::errors::Code;
use crate::ext::node::fs::NodeError;
use crate::server::body::ResponseBody;
use crate::server::body::StreamAborted;
use crate::server::compress::Compression;
use crate::server::conn;
use crate::server::encode::Encoding;
use crate::server::file::FileError;
use crate::server::file::FileSource;
use crate::server::file::OpenFile;
use crate::server::file_response::file_response;
use crate::server::group::GroupMember;
use crate::server::listen::ListenAddr;
use crate::server::request::BodyError;
use crate::server::request::InFlightTable;
use crate::server::routes::FileRoute;
use crate::server::routes::RouteError;
use crate::server::routes::RouteSpec;
use crate::server::routes::RouteTable;
use crate::server::routes::RouteTarget;
use crate::server::routes::StaticResponse;
use crate::server::service::Server;
use crate::server::service::ServerConfig;
use crate::server::types::RequestId;
use crate::server::types::ServerError;
use crate::server::types::method_code;
use crate::server::validators::Conditions;
use crate::util::headers::BadField;
use crate::util::headers::append_pairs;

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
  /// The body could not be read whole.
  #[class(inherit)]
  #[error(transparent)]
  Body(#[from] BodyError),
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
  requests: Rc<InFlightTable>,
  servers: HashMap<u32, Rc<Server>>,
  next_server: u32,
  streams: HashMap<u32, mpsc::Sender<Result<Frame<Bytes>, StreamAborted>>>,
  next_stream: u32,
}

impl ServeState {
  /// A running server by id.
  pub(crate) fn server_by_id(&self, id: u32) -> Option<Rc<Server>> {
    self.servers.get(&id).cloned()
  }

  /// Requests waiting for JS.
  pub(crate) fn requests(&self) -> &Rc<InFlightTable> {
    &self.requests
  }

  fn server(&self, id: u32) -> Result<Rc<Server>, ServeError> {
    self.servers.get(&id).cloned().ok_or(ServeError::NoServer)
  }
}

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
fn file_source(path: String, start: f64, end: f64) -> FileSource {
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
  let serve = state.borrow_mut::<ServeState>();
  let place = member.as_ref().map(|m| (m, serve.next_server as usize));
  let server = conn::start(
    config,
    routes,
    options.has_fetch,
    serve.requests.clone(),
    place,
  )?;
  serve.next_server += 1;
  let id = serve.next_server;
  let addr = server.local_addr();
  serve.servers.insert(id, server);
  Ok(ServeInfo {
    id,
    port: addr.map(|a| a.port()),
    address: addr.map(|a| a.ip().to_string()),
  })
}

/// Hands JS the next queued request: returns its id (0: none) and writes
/// `[handler index + 1 (0: fetch), method code]` into `out`.
#[op2(fast)]
pub(crate) fn op_serve_take(
  state: &mut OpState,
  #[smi] server: u32,
  #[buffer] out: &mut [u32],
) -> u32 {
  let serve = state.borrow::<ServeState>();
  let Some(server) = serve.servers.get(&server) else {
    return 0;
  };
  let Some(id) = server.take_ready() else {
    return 0;
  };
  serve
    .requests
    .with(id, |r| {
      if out.len() >= 2 {
        out[0] = r.handler.map_or(0, |i| i + 1);
        out[1] = method_code(&r.parts.method);
      }
    })
    .map_or(0, |()| id)
}

/// Waits until a request is queued; `false` once the server has stopped.
#[op2]
pub(crate) async fn op_serve_wait(
  state: Rc<RefCell<OpState>>,
  #[smi] server: u32,
) -> bool {
  let server = state
    .borrow()
    .borrow::<ServeState>()
    .servers
    .get(&server)
    .cloned();
  match server {
    Some(server) => server.wait_ready().await,
    None => false,
  }
}

fn requests(state: &OpState) -> Rc<InFlightTable> {
  state.borrow::<ServeState>().requests.clone()
}

/// The request method, for methods without a code.
#[op2]
#[string]
pub(crate) fn op_serve_method(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> String {
  requests(state)
    .with(id, |r| r.parts.method.as_str().to_string())
    .unwrap_or_default()
}

/// The absolute request URL, as Bun builds it from the Host header.
#[op2]
#[string]
pub(crate) fn op_serve_url(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> String {
  requests(state).with(id, |r| r.url()).unwrap_or_default()
}

/// Request headers as a flat `[name, value, name, value...]` list.
#[op2]
#[serde]
pub(crate) fn op_serve_headers(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> Vec<ByteString> {
  requests(state)
    .with(id, |r| {
      let mut flat = Vec::with_capacity(r.parts.headers.len() * 2);
      for (name, value) in &r.parts.headers {
        flat.push(ByteString::from(name.as_str()));
        flat.push(ByteString::from(value.as_bytes()));
      }
      flat
    })
    .unwrap_or_default()
}

/// Route parameters as a flat `[name, value...]` list.
#[op2]
#[serde]
pub(crate) fn op_serve_params(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> Vec<String> {
  requests(state)
    .with(id, |r| {
      r.params
        .iter()
        .flat_map(|(k, v)| [k.clone(), v.clone()])
        .collect()
    })
    .unwrap_or_default()
}

/// The client address: `[address, port, family]`, or null on a unix socket.
#[op2]
#[serde]
pub(crate) fn op_serve_request_ip(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> Option<(String, u16, &'static str)> {
  requests(state)
    .with(id, |r| r.peer.addr)
    .flatten()
    .map(|addr| {
      let family = if addr.is_ipv4() { "IPv4" } else { "IPv6" };
      (addr.ip().to_string(), addr.port(), family)
    })
}

/// Whether the request declares or may carry a body.
#[op2(fast)]
pub(crate) fn op_serve_has_body(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> bool {
  requests(state).with(id, |r| r.has_body()).unwrap_or(false)
}

/// Reads the next body chunk; `null` at the end.
#[op2]
#[serde]
pub(crate) async fn op_serve_body_chunk(
  state: Rc<RefCell<OpState>>,
  #[smi] id: RequestId,
) -> Result<Option<ToJsBuffer>, ServeError> {
  let requests = requests(&state.borrow());
  let chunk = requests
    .read_chunk(id)
    .await
    .ok_or(ServeError::BodyUsed)??;
  Ok(chunk.map(|data| data.to_vec().into()))
}

/// Reads the whole body (for `text()`, `json()`, `arrayBuffer()`...).
#[op2]
#[serde]
pub(crate) async fn op_serve_body_all(
  state: Rc<RefCell<OpState>>,
  #[smi] id: RequestId,
) -> Result<ToJsBuffer, ServeError> {
  let requests = requests(&state.borrow());
  let body = requests.read_all(id).await.ok_or(ServeError::BodyUsed)??;
  Ok(body.into())
}

/// Resolves `true` if the client disconnects before its response is sent.
#[op2]
pub(crate) async fn op_serve_client_gone(
  state: Rc<RefCell<OpState>>,
  #[smi] id: RequestId,
) -> bool {
  let gone = requests(&state.borrow()).with(id, |r| r.gone.clone());
  match gone {
    Some(gone) => gone.wait().await,
    None => false,
  }
}

/// Content types JS asks for by code on the fast path.
fn content_type(code: u32) -> Option<HeaderValue> {
  match code {
    1 => Some(HeaderValue::from_static("text/plain;charset=utf-8")),
    2 => Some(HeaderValue::from_static("application/json;charset=utf-8")),
    _ => None,
  }
}

fn status(code: u32) -> Result<StatusCode, ServeError> {
  u16::try_from(code)
    .ok()
    .and_then(|c| StatusCode::from_u16(c).ok())
    .ok_or_else(|| {
      ServeError::InvalidResponse(format!("Invalid status code {code}"))
    })
}

fn respond_with(
  state: &OpState,
  id: RequestId,
  response: Response<ResponseBody>,
) {
  requests(state).respond(id, response);
}

/// The fast path: a string body with at most a content type, no headers.
#[op2(fast)]
pub(crate) fn op_serve_respond_text(
  state: &mut OpState,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[string] body: &str,
  #[smi] content_type_code: u32,
) -> Result<(), ServeError> {
  let mut response =
    Response::new(ResponseBody::full(Bytes::copy_from_slice(body.as_bytes())));
  *response.status_mut() = status(status_code)?;
  if let Some(ct) = content_type(content_type_code) {
    response.headers_mut().insert(header::CONTENT_TYPE, ct);
  }
  respond_with(state, id, response);
  Ok(())
}

fn build_head(
  status_code: u32,
  headers: Vec<(ByteString, ByteString)>,
  body: ResponseBody,
) -> Result<Response<ResponseBody>, ServeError> {
  let mut response = Response::new(body);
  *response.status_mut() = status(status_code)?;
  append_fields(response.headers_mut(), headers, "header")?;
  Ok(response)
}

/// Appends JS's `[name, value]` pairs to `map`; `what` ("header",
/// "trailer") words the error for a pair that is not a valid field.
fn append_fields(
  map: &mut http::HeaderMap,
  fields: Vec<(ByteString, ByteString)>,
  what: &str,
) -> Result<(), ServeError> {
  map.reserve(fields.len());
  append_pairs(map, fields).map_err(|bad| {
    ServeError::InvalidResponse(match bad {
      BadField::Name(name) => format!("Invalid {what} name '{name}'"),
      BadField::Value(name) => format!("Invalid value for {what} '{name}'"),
    })
  })
}

/// The sender of a streamed response JS is writing, while it is open.
fn stream_sender(
  state: &Rc<RefCell<OpState>>,
  stream: u32,
) -> Option<mpsc::Sender<Result<Frame<Bytes>, StreamAborted>>> {
  state
    .borrow()
    .borrow::<ServeState>()
    .streams
    .get(&stream)
    .cloned()
}

/// The general path: status, headers and a string body.
#[op2]
pub(crate) fn op_serve_respond(
  state: &mut OpState,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
  #[string] body: &str,
) -> Result<(), ServeError> {
  let body = ResponseBody::full(Bytes::copy_from_slice(body.as_bytes()));
  let response = build_head(status_code, headers, body)?;
  respond_with(state, id, response);
  Ok(())
}

/// Status, headers and a byte body (also used for no body: empty bytes).
/// The body is not copied: the response holds the JS buffer's backing store
/// (the Response already made its own copy when it was constructed).
#[op2]
pub(crate) fn op_serve_respond_bytes(
  state: &mut OpState,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
  #[buffer] body: JsBuffer,
) -> Result<(), ServeError> {
  let body = ResponseBody::full(Bytes::from_owner(body.into_parts()));
  let response = build_head(status_code, headers, body)?;
  respond_with(state, id, response);
  Ok(())
}

/// A file as the response body (`new Response(Bun.file(p))`): opened off
/// the event loop, then sent from Rust with validators and ranges (see
/// [`crate::server::file`]). A file that cannot be opened rejects with
/// Node's error, for the handler's `error()`, as in Bun.
#[op2]
pub(crate) async fn op_serve_respond_file(
  state: Rc<RefCell<OpState>>,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
  #[string] path: String,
  start: f64,
  end: f64,
) -> Result<(), ServeError> {
  let status = status(status_code)?;
  let mut map = http::HeaderMap::new();
  append_fields(&mut map, headers, "header")?;
  let Some((conditions, flow)) = requests(&state.borrow()).with(id, |r| {
    (
      Conditions::of(&r.parts.method, &r.parts.headers),
      r.flow.clone(),
    )
  }) else {
    // Answered or gone already: nothing to send.
    return Ok(());
  };
  let source = file_source(path, start, end);
  let file = OpenFile::open(&source).await.map_err(|e| {
    let path = source.path.to_string_lossy();
    match e {
      FileError::Io(e) => NodeError::fs(e, "open", &path),
      FileError::Directory => NodeError::Fs {
        code: Code::Eisdir,
        errno: -libc::EISDIR,
        description: FileError::Directory.to_string(),
        syscall: "open",
        path: path.into_owned(),
      },
    }
  })?;
  let response = file_response(file, status, map, &conditions, flow);
  respond_with(&state.borrow(), id, response);
  Ok(())
}

/// Starts a streamed response; returns the stream id JS writes chunks to.
#[op2]
#[smi]
pub(crate) fn op_serve_respond_stream(
  state: &mut OpState,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
) -> Result<u32, ServeError> {
  let (flow, idle) = requests(state)
    .with(id, |r| (r.flow.clone(), r.timeout.get()))
    .unwrap_or_default();
  let (tx, body) = ResponseBody::channel(flow, idle);
  let response = build_head(status_code, headers, body)?;
  respond_with(state, id, response);
  let serve = state.borrow_mut::<ServeState>();
  serve.next_stream = serve.next_stream.wrapping_add(1).max(1);
  let stream = serve.next_stream;
  serve.streams.insert(stream, tx);
  Ok(stream)
}

/// Answers with another in-flight request's body, unread so far, as the
/// response body (`new Response(req.body)`): it streams from the client
/// back out without entering JS.
#[op2]
pub(crate) fn op_serve_respond_piped(
  state: &mut OpState,
  #[smi] id: RequestId,
  #[smi] status_code: u32,
  #[serde] headers: Vec<(ByteString, ByteString)>,
  #[smi] source: RequestId,
) -> Result<(), ServeError> {
  let body = requests(state)
    .with(source, |r| r.body.take())
    .ok_or(ServeError::BodyUsed)?;
  let body = match body {
    Some(incoming) => ResponseBody::Piped(incoming),
    None => ResponseBody::Empty,
  };
  let response = build_head(status_code, headers, body)?;
  respond_with(state, id, response);
  Ok(())
}

/// Writes a chunk, waiting while the client is slower than the producer.
/// Resolves `false` once the client has gone.
#[op2]
pub(crate) async fn op_serve_stream_write(
  state: Rc<RefCell<OpState>>,
  #[smi] stream: u32,
  #[buffer] chunk: JsBuffer,
) -> bool {
  match stream_sender(&state, stream) {
    Some(tx) => tx
      .send(Ok(Frame::data(Bytes::copy_from_slice(&chunk))))
      .await
      .is_ok(),
    None => false,
  }
}

/// Sends the trailers after the last chunk (rt's `init.trailers`): a
/// trailing HEADERS frame on HTTP/2; on chunked HTTP/1.1 the fields the
/// `Trailer` header names, if the request said `TE: trailers` (hyper keeps
/// to RFC 9110 §6.5). Resolves `false` once the client has gone.
#[op2]
pub(crate) async fn op_serve_stream_trailers(
  state: Rc<RefCell<OpState>>,
  #[smi] stream: u32,
  #[serde] fields: Vec<(ByteString, ByteString)>,
) -> Result<bool, ServeError> {
  let mut trailers = http::HeaderMap::new();
  append_fields(&mut trailers, fields, "trailer")?;
  Ok(match stream_sender(&state, stream) {
    Some(tx) => tx.send(Ok(Frame::trailers(trailers))).await.is_ok(),
    None => false,
  })
}

/// Ends a streamed response; with an error message, aborts it instead.
#[op2]
pub(crate) fn op_serve_stream_close(
  state: &mut OpState,
  #[smi] stream: u32,
  #[string] error: Option<String>,
) {
  let tx = state.borrow_mut::<ServeState>().streams.remove(&stream);
  if let (Some(tx), Some(message)) = (tx, error) {
    let _ = tx.try_send(Err(StreamAborted(message)));
  }
}

/// `server.timeout(req, seconds)`: 0 disables; returns false if the
/// request is no longer waiting.
#[op2(fast)]
pub(crate) fn op_serve_timeout(
  state: &mut OpState,
  #[smi] id: RequestId,
  seconds: f64,
) -> bool {
  let limit = (seconds > 0.0).then(|| Duration::from_secs_f64(seconds));
  requests(state).with(id, |r| r.timeout.set(limit)).is_some()
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

/// The client certificate of a request's connection (rt's extension for
/// `tls.requestCert`), described as Node describes peer certificates.
#[derive(Serialize)]
pub struct ClientCertInfo {
  certificate: crate::client::identity::PeerCertificate,
  raw: ToJsBuffer,
  authorized: bool,
}

/// `server.peerCertificate(request)`: null without one.
#[op2]
#[serde]
pub(crate) fn op_serve_peer_certificate(
  state: &mut OpState,
  #[smi] id: RequestId,
) -> Option<ClientCertInfo> {
  let cert = requests(state)
    .with(id, |r| r.peer.certificate.clone())
    .flatten()?;
  Some(ClientCertInfo {
    certificate: crate::client::identity::PeerCertificate::from_der(&cert.der),
    raw: cert.der.clone().into(),
    authorized: cert.authorized,
  })
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
    member
      .group
      .release(member.replica, server.saturating_sub(1) as usize);
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
