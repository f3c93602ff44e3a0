//! The `WebSocket` client's connection: TCP, rustls for `wss:` (the same
//! TLS settings as fetch), then the opening handshake (RFC 6455 §4.1) by
//! tokio-tungstenite. The open connection then runs in [`crate::ws`].

use std::sync::Arc;

use http::HeaderValue;
use http::header;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_util::either::Either;
use url::Url;

use super::tls::TlsOptions;
use super::tls::client_config;

/// The connection under a client WebSocket.
pub type ClientStream = Either<TcpStream, TlsStream<TcpStream>>;

/// Client sockets do not park: the handshake leaves frames in tungstenite's
/// buffer that a frame watcher below it would not have seen, and a process
/// holds few of them.
impl crate::ws::park::Parkable for ClientStream {}

/// What `new WebSocket(url, options)` asks for.
pub struct ConnectRequest {
  /// A `ws:` or `wss:` URL.
  pub url: Url,
  /// Subprotocols, in preference order.
  pub protocols: Vec<String>,
  /// Extra handshake headers (Bun's `headers` option).
  pub headers: http::HeaderMap,
  /// Bun's `tls` option for `wss:`.
  pub tls: TlsOptions,
}

/// An open connection and the subprotocol the server chose ("" if none).
pub struct Connected {
  /// The WebSocket.
  pub ws: WebSocketStream<ClientStream>,
  /// `Sec-WebSocket-Protocol` of the response.
  pub protocol: String,
}

/// Connects and performs the opening handshake; errors are messages for
/// the `error` event.
pub async fn connect(
  request: ConnectRequest,
  config: WebSocketConfig,
) -> Result<Connected, String> {
  let url = request.url;
  let host = url
    .host_str()
    .ok_or_else(|| format!("{url} has no host"))?
    .trim_matches(['[', ']'])
    .to_string();
  let secure = url.scheme() == "wss";
  let port =
    url
      .port_or_known_default()
      .unwrap_or(if secure { 443 } else { 80 });
  let tcp = TcpStream::connect((host.as_str(), port))
    .await
    .map_err(|e| format!("Failed to connect to {host}:{port}: {e}"))?;
  let _ = tcp.set_nodelay(true);
  let stream = if secure {
    let mut config = client_config(&request.tls).map_err(|e| e.to_string())?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = request
      .tls
      .server_name
      .clone()
      .unwrap_or_else(|| host.clone());
    let name = rustls_pki_types::ServerName::try_from(name)
      .map_err(|e| format!("Invalid server name: {e}"))?;
    let tls = TlsConnector::from(Arc::new(config))
      .connect(name, tcp)
      .await
      .map_err(|e| format!("TLS handshake failed: {e}"))?;
    Either::Right(tls)
  } else {
    Either::Left(tcp)
  };
  let mut handshake = url
    .as_str()
    .into_client_request()
    .map_err(|e| e.to_string())?;
  let headers = handshake.headers_mut();
  if !request.protocols.is_empty() {
    let list = request.protocols.join(", ");
    let value = HeaderValue::from_str(&list).map_err(|e| e.to_string())?;
    headers.insert(header::SEC_WEBSOCKET_PROTOCOL, value);
  }
  for (name, value) in &request.headers {
    headers.insert(name, value.clone());
  }
  let (ws, response) = tokio_tungstenite::client_async_with_config(
    handshake,
    stream,
    Some(config),
  )
  .await
  .map_err(|e| format!("WebSocket handshake failed: {e}"))?;
  let protocol = response
    .headers()
    .get(header::SEC_WEBSOCKET_PROTOCOL)
    .and_then(|v| v.to_str().ok())
    .unwrap_or_default()
    .to_string();
  // RFC 6455 §4.1: a protocol the client did not offer fails the connection.
  if !protocol.is_empty() && !request.protocols.contains(&protocol) {
    return Err(format!(
      "Server chose an unrequested subprotocol '{protocol}'"
    ));
  }
  Ok(Connected { ws, protocol })
}
