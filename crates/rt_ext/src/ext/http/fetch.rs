//! Ops adapting [`crate::client`] to `fetch` in `29_fetch.js`.
//!
//! A fetch is an id: `op_fetch_start` registers the request (and, for a
//! stream body, the channel JS uploads into), `op_fetch_send` awaits the
//! response head, `op_fetch_read` pulls body chunks, and `op_fetch_abort`
//! cancels whatever stage is running.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use bytes::Bytes;
use deno_core::ByteString;
use deno_core::JsBuffer;
use deno_core::OpState;
use deno_core::ToJsBuffer;
use deno_core::op2;
use http::HeaderMap;
use http::Method;
use serde::Deserialize;
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::sync::oneshot;

use crate::client::ClientOptions;
use crate::client::FetchError;
use crate::client::FetchRequest;
use crate::client::HttpClient;
use crate::client::Protocol;
use crate::client::RedirectMode;
use crate::client::body::RequestBody;
use crate::client::body::ResponseStream;
use crate::client::identity::IdentityCheck;
use crate::client::identity::PeerCertificate;
use crate::client::tls::TlsOptions;
use crate::errors::Code;
use crate::errors::Coded;
use crate::util::latch::Latch;

/// Errors from fetch ops: `TypeError`s with Bun's `.code`.
#[derive(Debug, thiserror::Error)]
pub enum FetchOpError {
  /// The network or protocol failed.
  #[error("{0}")]
  Fetch(#[from] FetchError),
  /// The fetch was aborted (JS rejects with the signal's reason instead).
  #[error("The operation was aborted")]
  Aborted,
  /// A header JS let through that HTTP cannot carry.
  #[error("Invalid header: {0}")]
  Header(String),
}

impl Coded for FetchOpError {
  fn code(&self) -> Code {
    match self {
      Self::Fetch(e) => e.code(),
      Self::Aborted => Code::FetchAborted,
      Self::Header(_) => Code::InvalidHttpToken,
    }
  }
}

crate::coded_error!(FetchOpError);

/// A fetch in progress.
struct InFlight {
  /// Set by `op_fetch_abort`; every stage gives up when it is.
  abort: Rc<Latch>,
  options: ClientOptions,
  request: Option<FetchRequest>,
  upload: Option<mpsc::Sender<Result<Bytes, std::io::Error>>>,
  body: Option<ResponseStream>,
  /// With `checkServerIdentity`: the fetch's own client and its checks.
  identity: Option<Identity>,
}

/// A `checkServerIdentity` fetch's client, the connections waiting for the
/// script, and the verdict channel of the one being checked.
struct Identity {
  client: HttpClient,
  checks: Option<mpsc::Receiver<IdentityCheck>>,
  reply: Option<oneshot::Sender<Result<(), String>>>,
}

/// What the script's `checkServerIdentity(host, cert)` is called with.
#[derive(Serialize)]
pub struct IdentityInfo {
  host: String,
  certificate: PeerCertificate,
  raw: ToJsBuffer,
}

/// Per-runtime fetch state in `OpState`: one pooled client per distinct
/// set of client options, built on first use.
#[derive(Default)]
pub struct FetchState {
  clients: HashMap<ClientOptions, HttpClient>,
  next: u32,
  fetches: HashMap<u32, InFlight>,
  /// Headers a plain `fetch(url)` sends.
  defaults: HeaderMap,
}

/// What JS passes to start a fetch (already validated by Request).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchArgs {
  method: String,
  url: String,
  headers: Vec<(ByteString, ByteString)>,
  /// "follow" | "error" | "manual"
  redirect: String,
  /// Bun's `maxRedirects` (default 20).
  max_redirects: Option<u32>,
  decompress: bool,
  /// The body will be uploaded through `op_fetch_upload`.
  stream_body: bool,
  /// Bun's `tls` option.
  tls: Option<TlsOptions>,
  /// Bun's `protocol`: "http1.1" | "http2" | null.
  protocol: Option<String>,
  /// `keepalive: false` disables connection reuse.
  keepalive: bool,
  /// Bun's `unix` socket path.
  unix: Option<String>,
  /// Bun's `proxy` URL; `null` consults `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY`.
  proxy: Option<String>,
}

/// The response head handed back to JS, as an array (cheaper for
/// serde_v8 than an object): `[status, statusText, headers, urlList,
/// received]`, where `received` says the whole (small) body is already
/// here, so `op_fetch_text_now` can hand it over without an async op.
#[derive(Serialize)]
pub struct FetchHead(
  u16,
  String,
  Vec<(ByteString, ByteString)>,
  Vec<String>,
  bool,
);

/// Bodies up to this size that arrived with the head count as received.
const EAGER_BODY_LIMIT: u64 = 64 * 1024;

fn parse_url(text: &str) -> Result<url::Url, FetchError> {
  let url = url::Url::parse(text)
    .map_err(|e| FetchError::BadUrl(format!("Invalid URL '{text}': {e}")))?;
  if url.scheme() != "http" && url.scheme() != "https" {
    return Err(FetchError::BadUrl(format!(
      "URL scheme '{}' is not supported",
      url.scheme()
    )));
  }
  Ok(url)
}

/// Sets the headers `op_fetch_get` sends (Bun's defaults, owned by JS).
#[op2]
pub(crate) fn op_fetch_set_defaults(
  state: &mut OpState,
  #[serde] headers: Vec<(ByteString, ByteString)>,
) -> Result<(), FetchOpError> {
  state.borrow_mut::<FetchState>().defaults =
    crate::ext::header_map(headers).map_err(FetchOpError::Header)?;
  Ok(())
}

/// `fetch(url)` with no init: a GET with the default headers and client,
/// without building a Request or crossing a struct into Rust.
#[op2(fast)]
#[smi]
pub(crate) fn op_fetch_get(
  state: &mut OpState,
  #[string] url: &str,
) -> Result<u32, FetchOpError> {
  let url = parse_url(url)?;
  let options = match crate::client::proxy::from_env(&url) {
    Some(proxy) => ClientOptions {
      proxy: Some(proxy),
      ..ClientOptions::default()
    },
    None => ClientOptions::default(),
  };
  let fetch = state.borrow_mut::<FetchState>();
  let request = FetchRequest {
    method: Method::GET,
    url,
    headers: fetch.defaults.clone(),
    body: RequestBody::empty(),
    redirect: RedirectMode::Follow,
    max_redirects: crate::client::MAX_REDIRECTS,
    decompress: true,
  };
  Ok(fetch.register(options, request, None, None))
}

impl FetchState {
  fn register(
    &mut self,
    options: ClientOptions,
    request: FetchRequest,
    upload: Option<mpsc::Sender<Result<Bytes, std::io::Error>>>,
    identity: Option<Identity>,
  ) -> u32 {
    self.next = self.next.wrapping_add(1).max(1);
    let id = self.next;
    self.fetches.insert(
      id,
      InFlight {
        abort: Rc::default(),
        options,
        request: Some(request),
        upload,
        body: None,
        identity,
      },
    );
    id
  }
}

/// Registers a fetch (and, for a streamed body, the channel JS uploads
/// into); returns its id. The request goes out with `op_fetch_send`.
#[op2]
#[smi]
pub(crate) fn op_fetch_start(
  state: &mut OpState,
  #[serde] args: FetchArgs,
  #[buffer] body: Option<JsBuffer>,
) -> Result<u32, FetchOpError> {
  let url = parse_url(&args.url)?;
  let method = Method::from_bytes(args.method.as_bytes())
    .map_err(|_| FetchOpError::Header(args.method.clone()))?;
  let headers =
    crate::ext::header_map(args.headers).map_err(FetchOpError::Header)?;
  let (upload, body) = if args.stream_body {
    let (tx, body) = RequestBody::channel();
    (Some(tx), body)
  } else {
    let bytes = body
      .map(|b| Bytes::from_owner(b.into_parts()))
      .unwrap_or_default();
    (None, RequestBody::full(bytes))
  };
  let redirect = match args.redirect.as_str() {
    "error" => RedirectMode::Error,
    "manual" => RedirectMode::Manual,
    _ => RedirectMode::Follow,
  };
  let options = ClientOptions {
    tls: args.tls.unwrap_or_default(),
    protocol: match args.protocol.as_deref() {
      Some("http1.1" | "http/1.1" | "http1") => Protocol::Http1,
      Some("http2" | "h2") => Protocol::Http2,
      _ => Protocol::Auto,
    },
    keepalive: args.keepalive,
    unix: args.unix.map(Into::into),
    proxy: args.proxy.or_else(|| crate::client::proxy::from_env(&url)),
  };
  let identity = if options.tls.check_server_identity {
    let (client, checks) = HttpClient::with_identity_check(&options)?;
    Some(Identity {
      client,
      checks: Some(checks),
      reply: None,
    })
  } else {
    None
  };
  let request = FetchRequest {
    method,
    url,
    headers,
    body,
    redirect,
    max_redirects: args
      .max_redirects
      .map_or(crate::client::MAX_REDIRECTS, |n| n as usize),
    decompress: args.decompress,
  };
  let fetch = state.borrow_mut::<FetchState>();
  Ok(fetch.register(options, request, upload, identity))
}

/// Sends the request and resolves with the response head (with the whole
/// body when `eager` and it is small and already received).
#[op2]
#[serde]
pub(crate) async fn op_fetch_send(
  state: Rc<RefCell<OpState>>,
  #[smi] id: u32,
  eager: bool,
) -> Result<FetchHead, FetchOpError> {
  let (client, request, abort) = {
    let mut state = state.borrow_mut();
    let fetch = state.borrow_mut::<FetchState>();
    let entry = fetch.fetches.get_mut(&id).ok_or(FetchOpError::Aborted)?;
    let request = entry.request.take().ok_or(FetchOpError::Aborted)?;
    let abort = entry.abort.clone();
    let options = entry.options.clone();
    let dedicated = entry.identity.as_ref().map(|i| i.client.clone());
    let client =
      match dedicated.or_else(|| fetch.clients.get(&options).cloned()) {
        Some(client) => client,
        None => {
          let client = HttpClient::new(&options).inspect_err(|_| {
            fetch.fetches.remove(&id);
          })?;
          fetch.clients.insert(options, client.clone());
          client
        }
      };
    (client, request, abort)
  };
  let response = tokio::select! {
    result = client.fetch(request) => result,
    () = abort.wait() => return Err(FetchOpError::Aborted),
  };
  let response = match response {
    Ok(r) => r,
    Err(e) => {
      state
        .borrow_mut()
        .borrow_mut::<FetchState>()
        .fetches
        .remove(&id);
      return Err(e.into());
    }
  };
  let mut body = response.body;
  let received = eager && body.receive_whole(EAGER_BODY_LIMIT);
  let head = FetchHead(
    response.status.as_u16(),
    response.status.canonical_reason().unwrap_or("").to_string(),
    response
      .headers
      .iter()
      .map(|(n, v)| {
        (ByteString::from(n.as_str()), ByteString::from(v.as_bytes()))
      })
      .collect(),
    response.url_list.iter().map(|u| u.to_string()).collect(),
    received,
  );
  if let Some(entry) = state
    .borrow_mut()
    .borrow_mut::<FetchState>()
    .fetches
    .get_mut(&id)
  {
    entry.body = Some(body);
  }
  Ok(head)
}

/// The next connection waiting for `checkServerIdentity`; `null` once
/// the fetch can make no more connections.
#[op2]
#[serde]
pub(crate) async fn op_fetch_identity_next(
  state: Rc<RefCell<OpState>>,
  #[smi] id: u32,
) -> Option<IdentityInfo> {
  let (mut checks, abort) = {
    let mut state = state.borrow_mut();
    let entry = state.borrow_mut::<FetchState>().fetches.get_mut(&id)?;
    (entry.identity.as_mut()?.checks.take()?, entry.abort.clone())
  };
  let check = tokio::select! {
    check = checks.recv() => check?,
    () = abort.wait() => return None,
  };
  let mut state = state.borrow_mut();
  let entry = state.borrow_mut::<FetchState>().fetches.get_mut(&id)?;
  let identity = entry.identity.as_mut()?;
  identity.checks = Some(checks);
  identity.reply = Some(check.reply);
  let raw = check.certificate.raw.clone().into();
  Some(IdentityInfo {
    host: check.host,
    certificate: check.certificate,
    raw,
  })
}

/// The script's verdict on the connection `op_fetch_identity_next` gave.
#[op2]
pub(crate) fn op_fetch_identity_reply(
  state: &mut OpState,
  #[smi] id: u32,
  #[string] error: Option<String>,
) {
  let fetch = state.borrow_mut::<FetchState>();
  if let Some(reply) = fetch
    .fetches
    .get_mut(&id)
    .and_then(|f| f.identity.as_mut())
    .and_then(|i| i.reply.take())
  {
    let _ = reply.send(error.map_or(Ok(()), Err));
  }
}

/// Uploads one chunk of a stream body; `false` once the request is gone.
#[op2]
pub(crate) async fn op_fetch_upload(
  state: Rc<RefCell<OpState>>,
  #[smi] id: u32,
  #[buffer] chunk: JsBuffer,
) -> bool {
  let tx = state
    .borrow()
    .borrow::<FetchState>()
    .fetches
    .get(&id)
    .and_then(|f| f.upload.clone());
  match tx {
    Some(tx) => tx
      .send(Ok(Bytes::from_owner(chunk.into_parts())))
      .await
      .is_ok(),
    None => false,
  }
}

/// Ends a stream body; with a message, fails the upload instead.
#[op2]
pub(crate) fn op_fetch_upload_end(
  state: &mut OpState,
  #[smi] id: u32,
  #[string] error: Option<String>,
) {
  let fetch = state.borrow_mut::<FetchState>();
  if let Some(tx) = fetch.fetches.get_mut(&id).and_then(|f| f.upload.take())
    && let Some(message) = error
  {
    let _ = tx.try_send(Err(std::io::Error::other(message)));
  }
}

/// Takes a fetch's response body (to read it without holding the state
/// borrow across an await) and its abort signal.
fn take_body(
  state: &Rc<RefCell<OpState>>,
  id: u32,
) -> Result<(Option<ResponseStream>, Rc<Latch>), FetchOpError> {
  let mut state = state.borrow_mut();
  let entry = state
    .borrow_mut::<FetchState>()
    .fetches
    .get_mut(&id)
    .ok_or(FetchOpError::Aborted)?;
  Ok((entry.body.take(), entry.abort.clone()))
}

/// The next response body chunk; `null` at the end (and the fetch is done).
#[op2]
#[serde]
pub(crate) async fn op_fetch_read(
  state: Rc<RefCell<OpState>>,
  #[smi] id: u32,
) -> Result<Option<ToJsBuffer>, FetchOpError> {
  let (body, abort) = take_body(&state, id)?;
  let Some(mut body) = body else {
    return Ok(None);
  };
  let chunk = tokio::select! {
    chunk = body.next_chunk() => chunk,
    () = abort.wait() => return Err(FetchOpError::Aborted),
  };
  let mut state = state.borrow_mut();
  let fetches = &mut state.borrow_mut::<FetchState>().fetches;
  match chunk {
    Ok(Some(bytes)) => {
      if let Some(entry) = fetches.get_mut(&id) {
        entry.body = Some(body);
      }
      Ok(Some(bytes.to_vec().into()))
    }
    Ok(None) => {
      fetches.remove(&id);
      Ok(None)
    }
    Err(e) => {
      fetches.remove(&id);
      Err(e.into())
    }
  }
}

/// Reads the rest of a fetch's body and ends the fetch.
async fn read_rest(
  state: &Rc<RefCell<OpState>>,
  id: u32,
) -> Result<Vec<u8>, FetchOpError> {
  let (body, abort) = take_body(state, id)?;
  let mut out = Vec::new();
  if let Some(mut body) = body {
    let read_all = async {
      while let Some(chunk) = body.next_chunk().await? {
        out.extend_from_slice(&chunk);
      }
      Ok::<_, FetchError>(())
    };
    let result = tokio::select! {
      result = read_all => result.map_err(FetchOpError::from),
      () = abort.wait() => Err(FetchOpError::Aborted),
    };
    state
      .borrow_mut()
      .borrow_mut::<FetchState>()
      .fetches
      .remove(&id);
    result?;
  }
  Ok(out)
}

/// The rest of the response body at once (`arrayBuffer()`, `bytes()`...).
#[op2]
#[serde]
pub(crate) async fn op_fetch_read_all(
  state: Rc<RefCell<OpState>>,
  #[smi] id: u32,
) -> Result<ToJsBuffer, FetchOpError> {
  Ok(read_rest(&state, id).await?.into())
}

/// The rest of the response body as text (`text()`, `json()`): UTF-8
/// decode without BOM (Encoding §UTF-8 decode), done here so no buffer
/// crosses into JS.
#[op2]
#[string]
pub(crate) async fn op_fetch_read_text(
  state: Rc<RefCell<OpState>>,
  #[smi] id: u32,
) -> Result<String, FetchOpError> {
  Ok(utf8_decode(read_rest(&state, id).await?))
}

/// The body as text when it was already received whole (see
/// [`FetchHead`]); `null` otherwise, and the script reads it as usual.
#[op2]
#[string]
pub(crate) fn op_fetch_text_now(
  state: &mut OpState,
  #[smi] id: u32,
) -> Option<String> {
  let fetches = &mut state.borrow_mut::<FetchState>().fetches;
  let bytes = fetches.get_mut(&id)?.body.as_mut()?.take_whole()?;
  fetches.remove(&id);
  Some(utf8_decode(bytes.to_vec()))
}

/// Encoding §UTF-8 decode: BOM stripped, invalid sequences replaced.
pub fn utf8_decode(bytes: Vec<u8>) -> String {
  match String::from_utf8(bytes) {
    Ok(mut text) => {
      if text.starts_with('\u{FEFF}') {
        text.drain(..3);
      }
      text
    }
    Err(e) => {
      let bytes = e.into_bytes();
      let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
      String::from_utf8_lossy(body).into_owned()
    }
  }
}

/// Cancels a fetch at whatever stage it is; dropping the body closes the
/// connection instead of draining it.
#[op2(fast)]
pub(crate) fn op_fetch_abort(state: &mut OpState, #[smi] id: u32) {
  if let Some(entry) = state.borrow_mut::<FetchState>().fetches.remove(&id) {
    entry.abort.set();
  }
}
