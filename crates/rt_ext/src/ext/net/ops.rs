//! Ops over [`crate::net`] for `node:net` (`ext/node/net.js`) and
//! `Bun.listen`/`Bun.connect` (`ext/bun/socket.js`). Listeners and streams are
//! deno_core resources; closing one cancels what waits on it.

use std::borrow::Cow;
use std::rc::Rc;

use deno_core::AsyncRefCell;
use deno_core::CancelFuture;
use deno_core::CancelHandle;
use deno_core::JsBuffer;
use deno_core::OpState;
use deno_core::RcRef;
use deno_core::Resource;
use deno_core::ResourceId;
use deno_core::op2;
use serde::Serialize;

use crate::net::Endpoint;
use crate::net::Listener;
use crate::net::NetError;
use crate::net::Stream;

/// Bytes one read hands to JS at most.
const READ_CHUNK: usize = 64 * 1024;

struct ListenerResource {
  listener: Listener,
  cancel: CancelHandle,
}

impl Resource for ListenerResource {
  fn name(&self) -> Cow<'_, str> {
    "netListener".into()
  }
  fn close(self: Rc<Self>) {
    // Stop listening now, not when the last waiting accept lets go of the
    // socket: a connect right after stop() is refused, as in Bun and Node.
    self.listener.stop();
    self.cancel.cancel();
  }
}

struct StreamResource {
  stream: Stream,
  /// Reads one at a time (JS never overlaps them; this keeps it so).
  reading: AsyncRefCell<()>,
  cancel: CancelHandle,
}

impl Resource for StreamResource {
  fn name(&self) -> Cow<'_, str> {
    "netStream".into()
  }
  fn close(self: Rc<Self>) {
    self.cancel.cancel();
  }
}

/// A new connection or listener, as JS gets it.
#[derive(Serialize)]
pub struct Opened {
  rid: ResourceId,
  local: Option<Endpoint>,
  remote: Option<Endpoint>,
}

fn stream(
  state: &OpState,
  rid: ResourceId,
) -> Result<Rc<StreamResource>, NetError> {
  state
    .resource_table
    .get::<StreamResource>(rid)
    .map_err(|_| NetError::Closed)
}

fn open_stream(state: &mut OpState, stream: Stream) -> Opened {
  let local = stream.local();
  let remote = stream.remote();
  let rid = state.resource_table.add(StreamResource {
    stream,
    reading: AsyncRefCell::new(()),
    cancel: CancelHandle::new(),
  });
  Opened { rid, local, remote }
}

/// Listens on TCP `hostname:port`, or on the Unix socket `path` when given.
#[op2]
#[serde]
pub(crate) fn op_net_listen(
  state: &mut OpState,
  #[string] hostname: String,
  #[smi] port: u16,
  #[string] path: Option<String>,
) -> Result<Opened, NetError> {
  let listener = match path {
    Some(path) => Listener::bind_unix(&path)?,
    None => Listener::bind_tcp(&hostname, port)?,
  };
  let local = Some(listener.local()?);
  let rid = state.resource_table.add(ListenerResource {
    listener,
    cancel: CancelHandle::new(),
  });
  Ok(Opened {
    rid,
    local,
    remote: None,
  })
}

/// The next connection; `None` once the listener is closed.
#[op2]
#[serde]
pub(crate) async fn op_net_accept(
  state: Rc<std::cell::RefCell<OpState>>,
  #[smi] rid: ResourceId,
) -> Result<Option<Opened>, NetError> {
  let Ok(listener) = state.borrow().resource_table.get::<ListenerResource>(rid)
  else {
    return Ok(None);
  };
  let cancel = RcRef::map(&listener, |l| &l.cancel);
  match listener.listener.accept().or_cancel(cancel).await {
    Ok(accepted) => Ok(Some(open_stream(&mut state.borrow_mut(), accepted?))),
    Err(_) => Ok(None),
  }
}

/// Connects over TCP, or to the Unix socket `path` when given.
#[op2]
#[serde]
pub(crate) async fn op_net_connect(
  state: Rc<std::cell::RefCell<OpState>>,
  #[string] hostname: String,
  #[smi] port: u16,
  #[string] path: Option<String>,
) -> Result<Opened, NetError> {
  let stream = match path {
    Some(path) => Stream::connect_unix(&path).await?,
    None => Stream::connect_tcp(&hostname, port).await?,
  };
  Ok(open_stream(&mut state.borrow_mut(), stream))
}

/// Reads what arrives next; an empty buffer at end of stream or once the
/// socket is closed.
#[op2]
#[buffer]
pub(crate) async fn op_net_read(
  state: Rc<std::cell::RefCell<OpState>>,
  #[smi] rid: ResourceId,
) -> Result<Vec<u8>, NetError> {
  let Ok(resource) = stream(&state.borrow(), rid) else {
    return Ok(Vec::new());
  };
  let _one_reader = RcRef::map(&resource, |r| &r.reading).borrow_mut().await;
  let mut buf = vec![0; READ_CHUNK];
  let cancel = RcRef::map(&resource, |r| &r.cancel);
  match resource.stream.read(&mut buf).or_cancel(cancel).await {
    Ok(n) => {
      buf.truncate(n?);
      Ok(buf)
    }
    Err(_) => Ok(Vec::new()),
  }
}

/// Writes all of `data` (node:net's write); waits for room as needed.
#[op2]
pub(crate) async fn op_net_write(
  state: Rc<std::cell::RefCell<OpState>>,
  #[smi] rid: ResourceId,
  #[buffer] data: JsBuffer,
) -> Result<(), NetError> {
  let resource = stream(&state.borrow(), rid)?;
  let cancel = RcRef::map(&resource, |r| &r.cancel);
  resource
    .stream
    .write_all(&data)
    .or_cancel(cancel)
    .await
    .map_err(|_| NetError::Closed)?
}

/// Bun's write: the bytes the socket takes now (maybe fewer, maybe 0).
#[op2(fast)]
#[smi]
pub(crate) fn op_net_try_write(
  state: &mut OpState,
  #[smi] rid: ResourceId,
  #[buffer] data: &[u8],
) -> Result<u32, NetError> {
  let n = stream(state, rid)?.stream.try_write(data)?;
  Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Resolves when the socket takes more bytes (Bun's `drain`).
#[op2]
pub(crate) async fn op_net_writable(
  state: Rc<std::cell::RefCell<OpState>>,
  #[smi] rid: ResourceId,
) -> Result<(), NetError> {
  let resource = stream(&state.borrow(), rid)?;
  let cancel = RcRef::map(&resource, |r| &r.cancel);
  resource
    .stream
    .writable()
    .or_cancel(cancel)
    .await
    .map_err(|_| NetError::Closed)?
}

/// Half-closes the socket (`end()`).
#[op2(fast)]
pub(crate) fn op_net_shutdown(
  state: &mut OpState,
  #[smi] rid: ResourceId,
) -> Result<(), NetError> {
  stream(state, rid)?.stream.shutdown_write()
}

/// `setNoDelay`.
#[op2(fast)]
pub(crate) fn op_net_set_nodelay(
  state: &mut OpState,
  #[smi] rid: ResourceId,
  on: bool,
) -> Result<(), NetError> {
  stream(state, rid)?.stream.set_nodelay(on)
}

/// `setKeepAlive(enable, initialDelay ms)`.
#[op2(fast)]
pub(crate) fn op_net_set_keepalive(
  state: &mut OpState,
  #[smi] rid: ResourceId,
  on: bool,
  #[smi] delay_ms: u32,
) -> Result<(), NetError> {
  stream(state, rid)?
    .stream
    .set_keepalive(on, Some(delay_ms / 1000))
}

/// Closes a stream or listener; waiting reads and accepts end.
#[op2(fast)]
pub(crate) fn op_net_close(state: &mut OpState, #[smi] rid: ResourceId) {
  if let Ok(resource) = state.resource_table.take_any(rid) {
    resource.close();
  }
}

/// `dns.lookup`: every address `hostname` resolves to, with its family
/// (4 or 6), from the system resolver.
#[op2]
#[serde]
pub(crate) async fn op_net_lookup(
  #[string] hostname: String,
) -> Result<Vec<(String, u8)>, NetError> {
  let addrs = tokio::net::lookup_host((hostname.as_str(), 0))
    .await
    .map_err(|_| NetError::NotFound(hostname.clone()))?;
  let mut out: Vec<(String, u8)> = Vec::new();
  for addr in addrs {
    let ip = addr.ip().to_canonical();
    let entry = (ip.to_string(), if ip.is_ipv4() { 4 } else { 6 });
    if !out.contains(&entry) {
      out.push(entry);
    }
  }
  Ok(out)
}
