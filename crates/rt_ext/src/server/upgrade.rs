//! `server.upgrade(req)`: the WebSocket opening handshake answered from a
//! request waiting for JS (a `101` on HTTP/1.1, RFC 6455 §4.2; a `200` to
//! an extended CONNECT on HTTP/2, RFC 8441), with permessage-deflate
//! negotiated when the handler allows it (RFC 7692).

use http::HeaderMap;
use http::HeaderValue;
use http::Response;
use http::StatusCode;
use http::header;

use super::body::ResponseBody;
use super::request::InFlightTable;
use super::types::RequestId;
use super::ws::accept_key;
use super::ws::check_extended_connect;

/// Upgrades request `request`, adding `extra` headers to the answer;
/// returns the new socket's id, or 0 when the request is not a valid
/// WebSocket handshake, its server has no `websocket` handler, or it was
/// answered already (a refused upgrade leaves the request to be answered
/// normally).
pub fn upgrade(
  requests: &InFlightTable,
  request: RequestId,
  extra: &HeaderMap,
) -> u32 {
  // Check before taking the request, so a refused upgrade leaves it to be
  // answered normally. HTTP/2 asks by extended CONNECT (RFC 8441).
  let checked = requests.with(request, |r| {
    let ws = r.server.websocket.borrow().clone()?;
    let accept = if r.parts.version == http::Version::HTTP_2 {
      check_extended_connect(&r.parts).ok()?;
      None
    } else {
      Some(accept_key(&r.parts.method, &r.parts.headers).ok()?)
    };
    r.respond.as_ref()?;
    Some((ws, accept))
  });
  let Some(Some((ws, accept))) = checked else {
    return 0;
  };
  let Some(mut taken) = requests.remove(request) else {
    return 0;
  };
  // hyper marks requests it can hand over: after a 101 on HTTP/1 (the
  // socket itself comes back through the connection's flow), after a 2xx
  // to a CONNECT on HTTP/2 (the stream).
  let Some(on_upgrade) =
    taken.parts.extensions.remove::<hyper::upgrade::OnUpgrade>()
  else {
    taken.send(plain_status(StatusCode::BAD_REQUEST));
    return 0;
  };
  let mut response = Response::new(ResponseBody::Empty);
  if accept.is_some() {
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
  }
  let out = response.headers_mut();
  if let Some(accept) = &accept {
    out.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    out.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(accept) {
      out.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
  }
  // RFC 7692: answer a permessage-deflate offer when the handler allows it.
  let deflate = if ws.options.borrow().per_message_deflate {
    taken
      .parts
      .headers
      .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
      .iter()
      .filter_map(|v| v.to_str().ok())
      .find_map(crate::ws::deflate::negotiate)
  } else {
    None
  };
  let deflate = match deflate {
    Some((params, answer)) => match HeaderValue::from_str(&answer) {
      Ok(value) => {
        out.insert(header::SEC_WEBSOCKET_EXTENSIONS, value);
        Some(params)
      }
      Err(_) => None,
    },
    None => None,
  };
  for (name, value) in extra {
    out.append(name, value.clone());
  }
  let id = if accept.is_some() {
    // Reads first return the bytes the client sent behind its head.
    let socket = taken.flow.on_upgrade();
    drop(on_upgrade);
    ws.accept(
      async move {
        socket
          .await
          .map_err(|_| "connection closed before the upgrade".to_string())
      },
      deflate,
    )
  } else {
    ws.accept(
      async move {
        on_upgrade
          .await
          .map(hyper_util::rt::TokioIo::new)
          .map_err(|e| format!("HTTP/2 stream not handed over: {e}"))
      },
      deflate,
    )
  };
  taken.send(response);
  id
}

fn plain_status(status: StatusCode) -> Response<ResponseBody> {
  let mut response = Response::new(ResponseBody::Empty);
  *response.status_mut() = status;
  response
}
