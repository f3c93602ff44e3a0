//! A request as JS reads it: the next one queued (the hot path: a fast op
//! writing the route and method codes into a shared buffer), and what the
//! script asks of it afterwards (URL, headers, body, client address),
//! fetched only if it does.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use deno_core::OpState;
use deno_core::ToJsBuffer;
use deno_core::op2;
use serde::Serialize;

use crate::ext::http::incoming::requests;
use crate::server::types::RequestId;
use crate::server::types::method_code;

use super::state::ServeState;

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
  requests(state)
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
