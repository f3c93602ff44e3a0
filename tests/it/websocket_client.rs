//! The web WebSocket client: against rt's own server (open, subprotocols,
//! Bun's headers option, text/arraybuffer/blob, chat, close codes both
//! ways, the API's errors) and over TLS against a tokio-tungstenite echo
//! server with a CA made at test time.

use crate::common::loopback::spawn_loopback_server;
use crate::common::*;
use futures::SinkExt as _;
use futures::StreamExt as _;

/// A wss echo server; returns its port and the CA to trust.
fn tls_echo_server() -> (u16, String) {
  let certs = certs::localhost(&[b"http/1.1"]);
  let acceptor = tokio_rustls::TlsAcceptor::from(certs.server);
  let port = spawn_loopback_server(move |stream| {
    let acceptor = acceptor.clone();
    async move {
      let Ok(tls) = acceptor.accept(stream).await else {
        return;
      };
      let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else {
        return;
      };
      while let Some(Ok(message)) = ws.next().await {
        if message.is_close() {
          // tungstenite queued the Close reply; send it.
          let _ = ws.flush().await;
          break;
        }
        if ws.send(message).await.is_err() {
          break;
        }
      }
    }
  });
  (port, certs.ca_pem)
}

#[test]
fn web_websocket_client() {
  let server = Served::spawn(&["run", "ws/server.js"], &[]);
  let (tls_port, ca) = tls_echo_server();
  let mut cmd = rt_without_env_cas();
  cmd.env("TEST_CA", ca).args([
    "run",
    "ws/client.js",
    &server.port.to_string(),
    &tls_port.to_string(),
  ]);
  let out = run_command(cmd);
  assert_stdout(
    &out,
    "open 1 chat.v2 true open 1 127.0.0.1 from-bun-option\n\
echo ping me\n\
arraybuffer true 1,2,3\n\
blob true blob body echo after blob\n\
chat one: hi two\n\
readyState after close() 2\n\
client close 4000 done true 3\n\
server close 4003 server-says true\n\
bad url SyntaxError\n\
bad url SyntaxError\n\
bad url SyntaxError\n\
bad protocols SyntaxError\n\
send while connecting InvalidStateError\n\
close 1001 InvalidAccessError\n\
closed while connecting 1006 false\n\
refused true 1006 false\n\
wss over tls\n\
wss closed 1005 true\n\
wss untrusted true 1006\n",
  );
  let (stdout, _) = server.output();
  assert!(stdout.contains("close one 4000 done"), "{stdout}");
}
