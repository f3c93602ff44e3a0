//! Response trailers (rt's `new Response(body, { trailers })`): on chunked
//! HTTP/1.1 when the client asked with `TE: trailers`, on HTTP/2 always;
//! fixed, from a promise, from a function. And the proof that they are
//! real: a gRPC unary call from Python's grpcio to a JS handler.

use crate::common::http::Conn;
use crate::common::*;
use bytes::Bytes;
use http_body_util::BodyExt as _;
use http_body_util::Empty;
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::TokioIo;

fn serve() -> Served {
  Served::serve("serve/trailers.js")
}

fn request(path: &str, te: bool) -> String {
  let te = if te { "TE: trailers\r\n" } else { "" };
  format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{te}\r\n")
}

#[test]
fn http1_sends_trailers_when_the_client_accepts_them() {
  let s = serve();
  let mut conn = Conn::open(s.port);
  for (path, body, field) in [
    ("/fixed", "fixed body", ("x-checksum", "abc123")),
    ("/promise", "one two", ("x-count", "2")),
    ("/function", "late", ("x-done", "yes")),
  ] {
    conn.send(request(path, true).as_bytes());
    let r = conn.read_response(false);
    assert_eq!(r.text(), body, "{path}");
    assert_eq!(r.header("transfer-encoding"), Some("chunked"), "{path}");
    assert_eq!(r.header("trailer"), Some(field.0), "{path}");
    assert_eq!(
      r.trailers,
      [(field.0.to_string(), field.1.to_string())],
      "{path}"
    );
  }
  // Without `TE: trailers` the body comes alone (RFC 9110 §6.5.1), and the
  // connection stays usable.
  conn.send(request("/fixed", false).as_bytes());
  let r = conn.read_response(false);
  assert_eq!(r.text(), "fixed body");
  assert!(r.trailers.is_empty());
  conn.send(request("/function", true).as_bytes());
  assert_eq!(conn.read_response(false).text(), "late");
  s.stop();
}

#[test]
fn http2_sends_trailers_after_the_body() {
  let s = serve();
  let port = s.port;
  tokio::runtime::Builder::new_current_thread()
    .enable_all()
    .build()
    .unwrap()
    .block_on(async move {
      let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
      let (mut sender, conn) = hyper::client::conn::http2::handshake(
        TokioExecutor::new(),
        TokioIo::new(tcp),
      )
      .await
      .unwrap();
      tokio::spawn(conn);
      for (path, body, field) in [
        ("/fixed", "fixed body", ("x-checksum", "abc123")),
        ("/promise", "one two", ("x-count", "2")),
        ("/function", "late", ("x-done", "yes")),
      ] {
        let req =
          ::http::Request::get(format!("http://localhost:{port}{path}"))
            .body(Empty::<Bytes>::new())
            .unwrap();
        let res = sender.send_request(req).await.unwrap();
        assert_eq!(res.version(), ::http::Version::HTTP_2);
        let collected = res.into_body().collect().await.unwrap();
        let trailers = collected.trailers().cloned().expect("trailers");
        assert_eq!(trailers.get(field.0).unwrap(), field.1, "{path}");
        assert_eq!(&collected.to_bytes()[..], body.as_bytes(), "{path}");
      }
    });
  s.stop();
}

#[test]
fn a_grpc_unary_call_from_grpcio_gets_its_reply_and_status() {
  let s = serve();
  let mut cmd = python();
  cmd.args(["grpc_unary.py", &s.port.to_string()]);
  let out = run_command(cmd);
  assert_stdout(&out, "hello grpc OK rt\nNOT_FOUND no such greeting\n");
  s.stop();
}
