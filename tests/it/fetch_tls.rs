//! fetch over TLS with a CA made at test time: HTTP/2 chosen by ALPN and
//! concurrent fetches multiplexed on one connection; an untrusted
//! certificate fails with a clear code.

use crate::common;

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;

use crate::common::loopback::spawn_loopback_server;
use crate::common::*;
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::TokioIo;

struct TlsServer {
  port: u16,
  connections: Arc<AtomicUsize>,
  requests: Arc<AtomicUsize>,
  ca_pem: std::path::PathBuf,
}

/// A CA, a localhost certificate it signs, and an h1/h2 server using it on
/// its own thread; answers each request with its HTTP version.
fn start_tls_server() -> TlsServer {
  let certs = common::certs::localhost(&[b"h2", b"http/1.1"]);
  // One file per server: the tests run in parallel.
  static NEXT: AtomicUsize = AtomicUsize::new(0);
  let ca_pem = std::env::temp_dir().join(format!(
    "rt-test-ca-{}-{}.pem",
    std::process::id(),
    NEXT.fetch_add(1, Ordering::SeqCst)
  ));
  std::fs::write(&ca_pem, &certs.ca_pem).unwrap();
  let acceptor = tokio_rustls::TlsAcceptor::from(certs.server);
  let connections = Arc::new(AtomicUsize::new(0));
  let requests = Arc::new(AtomicUsize::new(0));
  let counter = connections.clone();
  let request_counter = requests.clone();
  let port = spawn_loopback_server(move |stream| {
    counter.fetch_add(1, Ordering::SeqCst);
    let acceptor = acceptor.clone();
    let request_counter = request_counter.clone();
    async move {
      let Ok(tls) = acceptor.accept(stream).await else {
        return;
      };
      let service = hyper::service::service_fn(
        move |req: hyper::Request<hyper::body::Incoming>| {
          request_counter.fetch_add(1, Ordering::SeqCst);
          async move { Ok::<_, Infallible>(respond(&req).await) }
        },
      );
      let _ =
        hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
          .serve_connection(TokioIo::new(tls), service)
          .await;
    }
  });
  TlsServer {
    port,
    connections,
    requests,
    ca_pem,
  }
}

/// The HTTP version, or (for /br and /zstd) a body in that coding.
async fn respond(
  req: &hyper::Request<hyper::body::Incoming>,
) -> hyper::Response<Full<Bytes>> {
  use tokio::io::AsyncReadExt as _;
  let text: &[u8] = b"decoded by rt";
  let mut out = Vec::new();
  let coding = match req.uri().path() {
    "/br" => {
      async_compression::tokio::bufread::BrotliEncoder::new(text)
        .read_to_end(&mut out)
        .await
        .unwrap();
      "br"
    }
    "/zstd" => {
      async_compression::tokio::bufread::ZstdEncoder::new(text)
        .read_to_end(&mut out)
        .await
        .unwrap();
      "zstd"
    }
    _ => {
      return hyper::Response::new(Full::new(Bytes::from(format!(
        "{:?}",
        req.version()
      ))));
    }
  };
  let mut response = hyper::Response::new(Full::new(Bytes::from(out)));
  response.headers_mut().insert(
    "content-encoding",
    hyper::header::HeaderValue::from_static(coding),
  );
  response
}

#[test]
fn https_uses_h2_and_multiplexes_concurrent_fetches() {
  let server = start_tls_server();
  let mut cmd = rt_command();
  cmd
    .current_dir(fixture(""))
    .env("NODE_EXTRA_CA_CERTS", &server.ca_pem)
    .env("RT_DEBUG", "1")
    .args(["run", "fetch/tls_client.js", &server.port.to_string()]);
  let out = run_command(cmd);
  assert_stdout(&out, &format!("{}\n", ["HTTP/2.0"; 8].join(",")));
  assert_eq!(
    server.connections.load(Ordering::SeqCst),
    1,
    "one connection for 8 fetches"
  );
}

#[test]
fn untrusted_certificates_are_rejected_with_a_code() {
  let server = start_tls_server();
  let mut cmd = rt_without_env_cas();
  cmd.env("RT_DEBUG", "1").args([
    "run",
    "fetch/tls_client.js",
    &server.port.to_string(),
  ]);
  let out = run_command(cmd);
  assert_stdout(&out, "failed TypeError UNABLE_TO_VERIFY_LEAF_SIGNATURE\n");
}

#[test]
fn per_request_tls_protocol_and_keepalive_options() {
  let server = start_tls_server();
  let ca = std::fs::read_to_string(&server.ca_pem).unwrap();
  let mut cmd = rt_without_env_cas();
  cmd.env("TEST_CA", ca).args([
    "run",
    "fetch/tls_options.js",
    &server.port.to_string(),
  ]);
  let out = run_command(cmd);
  assert_stdout(
    &out,
    "ca option HTTP/2.0\n\
no ca failed UNABLE_TO_VERIFY_LEAF_SIGNATURE\n\
rejectUnauthorized false HTTP/2.0\n\
serverName HTTP/2.0\n\
wrong name failed ERR_TLS_CERT_ALTNAME_INVALID\n\
http1.1 forced HTTP/1.1\n\
no keepalive HTTP/1.1\n\
no keepalive HTTP/1.1\n\
no keepalive HTTP/1.1\n",
  );
  // ca, none, rejectUnauthorized, serverName, wrong name, http1.1: one
  // connection each (the failed ones too); keepalive false: one per fetch.
  assert_eq!(server.connections.load(Ordering::SeqCst), 9);
}

#[test]
fn check_server_identity_decides_before_the_request_is_sent() {
  let server = start_tls_server();
  let ca = std::fs::read_to_string(&server.ca_pem).unwrap();
  let mut cmd = rt_without_env_cas();
  cmd.env("TEST_CA", ca).args([
    "run",
    "fetch/tls_identity.js",
    &server.port.to_string(),
  ]);
  let out = run_command(cmd);
  assert_stdout(
    &out,
    "accepted 127.0.0.1 DNS:localhost 95 true HTTP/2.0
refused own error true
thrown own error true
untrusted chain UNABLE_TO_VERIFY_LEAF_SIGNATURE 0
bad option TypeError
",
  );
  // Only the accepted connection carried a request; the refused ones were
  // closed after the handshake.
  assert_eq!(server.connections.load(Ordering::SeqCst), 4);
  assert_eq!(server.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn brotli_and_zstd_bodies_are_decoded() {
  let server = start_tls_server();
  let mut cmd = rt_command();
  cmd
    .current_dir(fixture(""))
    .env("NODE_EXTRA_CA_CERTS", &server.ca_pem)
    .args(["run", "fetch/encodings.js", &server.port.to_string()]);
  let out = run_command(cmd);
  assert_stdout(&out, "br decoded by rt\nzstd decoded by rt\nraw br true\n");
}

#[test]
fn abort_during_connect_and_tls_handshake() {
  // A socket that is listened on but never accepted: TCP connects (the
  // backlog), the TLS handshake never completes.
  let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
  let port = silent.local_addr().unwrap().port();
  let out = run_fixture("fetch/abort_connect.js", &[&port.to_string()]);
  assert_stdout(&out, "aborted AbortError\ntimed out TimeoutError\n");
  drop(silent);
}

/// A tiny forward proxy: CONNECT tunnels to 127.0.0.1, and any other
/// request is answered with its request target (so tests see the form).
fn start_proxy() -> (u16, Arc<AtomicUsize>) {
  use tokio::io::AsyncReadExt as _;
  use tokio::io::AsyncWriteExt as _;
  let connects = Arc::new(AtomicUsize::new(0));
  let counter = connects.clone();
  let port = spawn_loopback_server(move |mut client| {
    let counter = counter.clone();
    async move {
      let mut head = Vec::new();
      let mut byte = [0u8; 1];
      while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).await.unwrap_or(0) == 0 {
          return;
        }
        head.push(byte[0]);
      }
      let head = String::from_utf8_lossy(&head).to_string();
      let mut words = head.split_whitespace();
      let (method, target) =
        (words.next().unwrap_or(""), words.next().unwrap_or(""));
      if method == "CONNECT" {
        counter.fetch_add(1, Ordering::SeqCst);
        let port = target.rsplit(':').next().unwrap_or("443");
        let upstream =
          tokio::net::TcpStream::connect(format!("127.0.0.1:{port}")).await;
        let Ok(mut upstream) = upstream else {
          return;
        };
        let established = b"HTTP/1.1 200 Connection Established\r\n\r\n";
        let _ = client.write_all(established).await;
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
      } else {
        let body = format!("proxied {target}");
        let response = format!(
          "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
          body.len()
        );
        let _ = client.write_all(response.as_bytes()).await;
      }
    }
  });
  (port, connects)
}

#[test]
fn fetch_through_a_proxy_by_option_and_environment() {
  let server = start_tls_server();
  let (proxy_port, connects) = start_proxy();
  let mut cmd = rt_command();
  cmd
    .current_dir(fixture(""))
    .env("NODE_EXTRA_CA_CERTS", &server.ca_pem)
    .env("HTTP_PROXY", format!("http://127.0.0.1:{proxy_port}"))
    .env("NO_PROXY", "127.0.0.1")
    .env_remove("HTTPS_PROXY")
    .env_remove("http_proxy")
    .env_remove("https_proxy")
    .env_remove("no_proxy")
    .args([
      "run",
      "fetch/proxy.js",
      &server.port.to_string(),
      &proxy_port.to_string(),
    ]);
  let out = run_command(cmd);
  assert_stdout(
    &out,
    "http via option: proxied http://example.test/path?q=1\n\
https via CONNECT: HTTP/2.0\n\
http via HTTP_PROXY: proxied http://example.test/env\n\
NO_PROXY host goes direct: proxied /direct\n",
  );
  assert_eq!(connects.load(Ordering::SeqCst), 1);
}

#[test]
fn a_trusted_self_signed_certificate_connects_and_failures_have_bun_codes() {
  use rcgen::CertificateParams;
  use rcgen::KeyPair;
  let dir =
    std::env::temp_dir().join(format!("rt-self-signed-{}", std::process::id()));
  std::fs::create_dir_all(&dir).unwrap();
  // What users make: a self-signed certificate marked CA:TRUE.
  common::certs::openssl(
    &dir,
    &[
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      "self.key",
      "-out",
      "self.crt",
      "-days",
      "30",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
    ],
  );
  let text = std::fs::read_to_string(dir.join("self.crt")).unwrap();
  assert!(text.contains("BEGIN CERTIFICATE"));
  // A leaf signed by a CA, and a self-signed certificate that expired.
  let set = common::certs::pem_set(&["localhost", "127.0.0.1"]);
  std::fs::write(dir.join("ca.crt"), &set.ca).unwrap();
  std::fs::write(dir.join("leaf.crt"), &set.cert).unwrap();
  std::fs::write(dir.join("leaf.key"), &set.key).unwrap();
  let key = KeyPair::generate().unwrap();
  let mut params =
    CertificateParams::new(vec!["localhost".to_string()]).unwrap();
  params.not_before = rcgen::date_time_ymd(2020, 1, 1);
  params.not_after = rcgen::date_time_ymd(2021, 1, 1);
  let expired = params.self_signed(&key).unwrap();
  std::fs::write(dir.join("expired.crt"), expired.pem()).unwrap();
  std::fs::write(dir.join("expired.key"), key.serialize_pem()).unwrap();

  let mut cmd = rt_without_env_cas();
  cmd
    .args(["run", "fetch/self_signed.js"])
    .env("CERT_DIR", &dir);
  let out = run_command(cmd);
  // Bun 1.4.4 prints the same lines for this script.
  assert_stdout(
    &out,
    "self trusted: ok self\n\
     self trusted by IP: ok self\n\
     self among others: ok self\n\
     self untrusted: DEPTH_ZERO_SELF_SIGNED_CERT\n\
     self wrong name: ERR_TLS_CERT_ALTNAME_INVALID\n\
     leaf by its CA: ok leaf\n\
     leaf untrusted: UNABLE_TO_VERIFY_LEAF_SIGNATURE\n\
     expired trusted: CERT_HAS_EXPIRED\n\
     wss self trusted: echo hi\n",
  );
  let _ = std::fs::remove_dir_all(&dir);
}
