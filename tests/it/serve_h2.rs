//! HTTP/2 in `Bun.serve`: chosen by ALPN on TLS (unless `http2: false`)
//! and by prior knowledge on plain TCP; concurrent streams, request bodies
//! streamed both ways, and a reset stream aborting `request.signal`.

use crate::common;

use std::sync::Arc;

use crate::common::*;
use bytes::Bytes;
use http_body_util::BodyExt as _;
use http_body_util::Full;
use http_body_util::StreamBody;
use hyper::body::Frame;
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use rustls_pki_types::pem::PemObject as _;
use tokio::net::TcpStream;

type Sender<B> = hyper::client::conn::http2::SendRequest<B>;

fn start(http2: bool) -> (Served, u16, common::certs::PemSet) {
  let set = common::certs::pem_set(&["localhost", "127.0.0.1"]);
  static NEXT: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(0);
  let dir = std::env::temp_dir().join(format!(
    "rt-serve-h2-{}-{}",
    std::process::id(),
    NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
  ));
  std::fs::create_dir_all(&dir).unwrap();
  std::fs::write(dir.join("key.pem"), &set.key).unwrap();
  std::fs::write(dir.join("cert.pem"), &set.cert).unwrap();
  let s = Served::spawn(
    &["run", "serve/h2.js"],
    &[
      ("CERT_DIR", dir.to_str().unwrap()),
      ("HTTP2", if http2 { "true" } else { "false" }),
    ],
  );
  let plain = s.wait_for_line("PLAIN=")[6..].parse().unwrap();
  (s, plain, set)
}

/// A TLS session offering h2 and http/1.1; returns the protocol chosen.
async fn tls_connect(
  port: u16,
  set: &common::certs::PemSet,
) -> (tokio_rustls::client::TlsStream<TcpStream>, Vec<u8>) {
  let mut roots = rustls::RootCertStore::empty();
  roots
    .add(
      rustls_pki_types::CertificateDer::from_pem_slice(set.ca.as_bytes())
        .unwrap(),
    )
    .unwrap();
  let provider = Arc::new(rustls::crypto::ring::default_provider());
  let mut config = rustls::ClientConfig::builder_with_provider(provider)
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
  config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
  let tcp = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
  let tls = tokio_rustls::TlsConnector::from(Arc::new(config))
    .connect(ServerName::try_from("localhost").unwrap(), tcp)
    .await
    .unwrap();
  let alpn = tls.get_ref().1.alpn_protocol().unwrap_or_default().to_vec();
  (tls, alpn)
}

async fn h2_over<T, B>(io: T) -> Sender<B>
where
  T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
  B: hyper::body::Body + Send + Unpin + 'static,
  B::Data: Send,
  B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
  let (sender, conn) = hyper::client::conn::http2::handshake(
    TokioExecutor::new(),
    TokioIo::new(io),
  )
  .await
  .expect("h2 handshake");
  tokio::spawn(conn);
  sender
}

async fn text(
  sender: &mut Sender<Full<Bytes>>,
  method: &str,
  uri: &str,
  body: &str,
) -> (::http::Version, String) {
  let req = ::http::Request::builder()
    .method(method)
    .uri(uri)
    .header("x-test", "yes")
    .body(Full::new(Bytes::from(body.to_string())))
    .unwrap();
  let res = sender.send_request(req).await.expect("response");
  let version = res.version();
  let bytes = res.into_body().collect().await.unwrap().to_bytes();
  (version, String::from_utf8(bytes.to_vec()).unwrap())
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
  tokio::runtime::Builder::new_current_thread()
    .enable_all()
    .build()
    .unwrap()
    .block_on(f)
}

#[test]
fn h2_by_alpn_and_by_prior_knowledge_with_concurrent_streams() {
  let (s, plain, set) = start(true);
  block_on(async {
    let (tls, alpn) = tls_connect(s.port, &set).await;
    assert_eq!(alpn, b"h2");
    let mut sender = h2_over(tls).await;
    let base = format!("https://localhost:{}", s.port);
    // Ten streams at once on one connection.
    let mut all = Vec::new();
    for i in 0..10 {
      let mut sender = sender.clone();
      let uri = format!("{base}/c{i}");
      all.push(tokio::spawn(async move {
        text(&mut sender, "POST", &uri, &"x".repeat(i * 1000)).await
      }));
    }
    for (i, handle) in all.into_iter().enumerate() {
      let (version, body) = handle.await.unwrap();
      assert_eq!(version, ::http::Version::HTTP_2);
      assert_eq!(body, format!("POST {base}/c{i} {} yes", i * 1000));
    }
    let (_, body) =
      text(&mut sender, "GET", &format!("{base}/get?q=1"), "").await;
    assert_eq!(body, format!("GET {base}/get?q=1 0 yes"));

    let tcp = TcpStream::connect(("127.0.0.1", plain)).await.unwrap();
    let mut sender = h2_over(tcp).await;
    let uri = format!("http://127.0.0.1:{plain}/h2c");
    let (version, body) = text(&mut sender, "POST", &uri, "hello").await;
    assert_eq!(version, ::http::Version::HTTP_2);
    assert_eq!(body, format!("POST {uri} 5 yes"));
  });
  // HTTP/1.1 still works on both listeners.
  let mut c = http::Conn::open(plain);
  assert!(c.get("/h1").text().starts_with("GET http://localhost/h1 0"));
  s.stop();
}

#[test]
fn http2_false_negotiates_http1() {
  let (s, _, set) = start(false);
  block_on(async {
    let (_, alpn) = tls_connect(s.port, &set).await;
    assert_eq!(alpn, b"http/1.1");
  });
  s.stop();
}

/// Each chunk the client sends comes back before the next is sent: the
/// request body streams into the handler and the response out of it.
#[test]
fn h2_streams_both_ways_and_a_reset_aborts_the_request_signal() {
  let (s, _, set) = start(true);
  block_on(async {
    let (tls, _) = tls_connect(s.port, &set).await;
    let (chunks_tx, chunks_rx) =
      tokio::sync::mpsc::channel::<Result<Frame<Bytes>, std::io::Error>>(1);
    let body = StreamBody::new(tokio_stream_from(chunks_rx));
    let mut sender = h2_over::<_, StreamBody<_>>(tls).await;
    let req = ::http::Request::builder()
      .method("POST")
      .uri(format!("https://localhost:{}/stream", s.port))
      .body(body)
      .unwrap();
    let res = sender.send_request(req);
    chunks_tx
      .send(Ok(Frame::data(Bytes::from("one"))))
      .await
      .unwrap();
    let res = res.await.unwrap();
    let mut body = res.into_body();
    let mut got = String::new();
    for chunk in ["one", "two", "three"] {
      if chunk != "one" {
        chunks_tx
          .send(Ok(Frame::data(Bytes::from(chunk))))
          .await
          .unwrap();
      }
      let frame = body.frame().await.unwrap().unwrap();
      got.push_str(std::str::from_utf8(frame.data_ref().unwrap()).unwrap());
      assert!(got.ends_with(chunk), "echoed before the next chunk: {got}");
    }
    drop(chunks_tx);
    // The response ends when the request body does (maybe after an empty
    // frame).
    while let Some(frame) = body.frame().await {
      let frame = frame.unwrap();
      assert!(frame.data_ref().is_none_or(|d| d.is_empty()), "{frame:?}");
    }
    assert_eq!(got, "onetwothree");

    // A request the handler never answers, then cancelled: hyper's client
    // sends RST_STREAM when the response future is dropped.
    let req = ::http::Request::builder()
      .uri(format!("https://localhost:{}/hang", s.port))
      .body(StreamBody::new(tokio_stream_from(
        tokio::sync::mpsc::channel(1).1,
      )))
      .unwrap();
    let pending = sender.send_request(req);
    let handler_waits = async {
      while !s.output().0.contains("WAITING /hang") {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
      }
    };
    tokio::select! {
      _ = pending => panic!("/hang answered"),
      () = handler_waits => {}
    }
  });
  assert_eq!(s.wait_for_line("ABORTED"), "ABORTED /hang");
  s.stop();
}

/// A `Stream` over an mpsc receiver (tokio-stream is not a dependency).
fn tokio_stream_from<T>(
  mut rx: tokio::sync::mpsc::Receiver<T>,
) -> impl futures::Stream<Item = T> + Unpin {
  Box::pin(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
}

/// `stop()` on an h2 connection: GOAWAY at once, so no new streams; the
/// stream still sending its body finishes; the listener is closed.
#[test]
fn h2_graceful_stop_sends_goaway_and_drains_open_streams() {
  let (s, plain, _) = start(true);
  block_on(async {
    let tcp = TcpStream::connect(("127.0.0.1", plain)).await.unwrap();
    let mut sender = h2_over::<_, Full<Bytes>>(tcp).await;
    let base = format!("http://127.0.0.1:{plain}");
    let slow = ::http::Request::get(format!("{base}/slow"))
      .body(Full::default())
      .unwrap();
    let mut body = sender.send_request(slow).await.unwrap().into_body();
    let first = body.frame().await.unwrap().unwrap();
    assert_eq!(first.data_ref().unwrap(), "first ");
    let (_, text_body) =
      text(&mut sender, "GET", &format!("{base}/stop"), "").await;
    assert_eq!(text_body, "stopping");
    // /slow ends only once stop() was called: it was drained, not cut.
    let rest = body.collect().await.unwrap().to_bytes();
    assert_eq!(&rest[..], b"last");
    let after = ::http::Request::get(format!("{base}/ip"))
      .body(Full::default())
      .unwrap();
    assert!(
      sender.send_request(after).await.is_err(),
      "a new stream after GOAWAY"
    );
    assert!(TcpStream::connect(("127.0.0.1", plain)).await.is_err());
  });
  s.stop();
}

/// `requestIP` and `server.timeout` on h2; an idle h2 connection is closed
/// after the server's `idleTimeout` (1 s here).
#[test]
fn h2_request_ip_timeout_and_idle_connections() {
  let (s, plain, _) = start(true);
  let idle: u16 = s.wait_for_line("IDLE=")[5..].parse().unwrap();
  block_on(async {
    let tcp = TcpStream::connect(("127.0.0.1", plain)).await.unwrap();
    let mut sender = h2_over::<_, Full<Bytes>>(tcp).await;
    let base = format!("http://127.0.0.1:{plain}");
    let (version, ip) =
      text(&mut sender, "GET", &format!("{base}/ip"), "").await;
    assert_eq!(
      (version, ip.as_str()),
      (::http::Version::HTTP_2, "127.0.0.1")
    );
    // server.timeout(req, 1) on a handler that never answers: the stream
    // is reset and request.signal aborts; the connection goes on.
    let hang = ::http::Request::get(format!("{base}/timeout"))
      .body(Full::default())
      .unwrap();
    assert!(sender.send_request(hang).await.is_err());
    let (_, ip) = text(&mut sender, "GET", &format!("{base}/ip"), "").await;
    assert_eq!(ip, "127.0.0.1");

    let tcp = TcpStream::connect(("127.0.0.1", idle)).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http2::handshake::<
      _,
      _,
      Full<Bytes>,
    >(TokioExecutor::new(), TokioIo::new(tcp))
    .await
    .unwrap();
    let conn = tokio::spawn(conn);
    let (_, ip) = text(
      &mut sender,
      "GET",
      &format!("http://127.0.0.1:{idle}/ip"),
      "",
    )
    .await;
    assert_eq!(ip, "127.0.0.1");
    // The server ends the connection by itself (GOAWAY, then close).
    tokio::time::timeout(std::time::Duration::from_secs(10), conn)
      .await
      .expect("the idle connection was closed")
      .unwrap()
      .unwrap();
  });
  assert_eq!(s.wait_for_line("ABORTED"), "ABORTED /timeout");
  s.stop();
}

/// `curl` with `args`: "HTTP_VERSION BODY".
fn curl(args: &[&str]) -> String {
  let out = std::process::Command::new("curl")
    .args(["-sS", "--max-time", "10", "-H", "x-test: yes"])
    .args(["-w", "\n%{http_version}"])
    .args(args)
    .output()
    .expect("curl (installed by .ci/deps)");
  assert!(
    out.status.success(),
    "curl {args:?}: {}",
    String::from_utf8_lossy(&out.stderr)
  );
  let text = String::from_utf8_lossy(&out.stdout).into_owned();
  let (body, version) = text.rsplit_once('\n').unwrap_or(("", &text));
  format!("{version} {body}")
}

#[test]
fn curl_gets_h2_by_alpn_and_h2c_by_prior_knowledge() {
  let (s, plain, set) = start(true);
  let ca = std::env::temp_dir()
    .join(format!("rt-serve-h2-curl-{}.pem", std::process::id()));
  std::fs::write(&ca, &set.ca).unwrap();
  let ca = ca.to_str().unwrap();
  let url = format!("https://localhost:{}/curl", s.port);
  assert_eq!(
    curl(&["--http2", "--cacert", ca, &url]),
    format!("2 GET {url} 0 yes")
  );
  assert_eq!(
    curl(&["--http1.1", "--cacert", ca, &url]),
    format!("1.1 GET {url} 0 yes")
  );
  let h2c = format!("http://127.0.0.1:{plain}/curl");
  assert_eq!(
    curl(&["--http2-prior-knowledge", &h2c]),
    format!("2 GET {h2c} 0 yes")
  );
  // A streamed body larger than the HTTP/1.1 pacing window arrives whole
  // on HTTP/2, by ALPN and by prior knowledge.
  for (args, url) in [
    (
      vec!["--http2", "--cacert", ca],
      format!("https://localhost:{}/big-stream", s.port),
    ),
    (
      vec!["--http2-prior-knowledge"],
      format!("http://127.0.0.1:{plain}/big-stream"),
    ),
  ] {
    let got = curl(&[&args[..], &[url.as_str()]].concat());
    assert_eq!(got.len(), 2 + (1 << 20), "{url}");
    assert!(got.starts_with("2 xxx"), "{url}");
  }
  let _ = std::fs::remove_file(ca);
  s.stop();
}

/// `openssl s_client` with `args` against the server: the negotiated
/// "protocol cipher", or None when the server refused the handshake.
fn handshake(port: u16, args: &[&str]) -> Option<String> {
  let out = std::process::Command::new("openssl")
    .args(["s_client", "-brief", "-connect"])
    .arg(format!("127.0.0.1:{port}"))
    .args(args)
    .stdin(std::process::Stdio::null())
    .output()
    .expect("openssl (installed by .ci/deps)");
  let text = String::from_utf8_lossy(&out.stderr).into_owned()
    + &String::from_utf8_lossy(&out.stdout);
  if !out.status.success() {
    return None;
  }
  let field = |name: &str| {
    text
      .lines()
      .find_map(|l| l.strip_prefix(name))
      .map(|v| v.trim().to_string())
      .unwrap_or_default()
  };
  Some(format!(
    "{} {}",
    field("Protocol version:"),
    field("Ciphersuite:")
  ))
}

/// What a TLS scanner checks, with the client's own limits lowered
/// (`@SECLEVEL=0`) so that a refusal is the server's: TLS 1.2 and 1.3 only,
/// AEAD suites only.
#[test]
fn tls_offers_only_1_2_and_1_3_with_aead_suites() {
  let (s, _, _) = start(true);
  let legacy = ["-cipher", "ALL:@SECLEVEL=0"];
  for version in ["-tls1", "-tls1_1"] {
    assert_eq!(
      handshake(s.port, &[&[version][..], &legacy[..]].concat()),
      None,
      "{version}"
    );
  }
  // CBC with HMAC (not AEAD), offered alone over TLS 1.2.
  for suite in ["ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA"] {
    let cipher = format!("{suite}:@SECLEVEL=0");
    assert_eq!(
      handshake(s.port, &["-tls1_2", "-cipher", &cipher]),
      None,
      "{suite}"
    );
  }
  assert_eq!(
    handshake(
      s.port,
      &["-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"]
    )
    .as_deref(),
    Some("TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256")
  );
  assert_eq!(
    handshake(
      s.port,
      &["-tls1_2", "-cipher", "ECDHE-ECDSA-CHACHA20-POLY1305"]
    )
    .as_deref(),
    Some("TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305")
  );
  let tls13 = handshake(s.port, &["-tls1_3"]).expect("TLS 1.3");
  assert!(tls13.starts_with("TLSv1.3 TLS_"), "{tls13}");
  s.stop();
}
