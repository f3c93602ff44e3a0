//! The native reference for benches/http.sh: a plain hyper 1 server on a
//! current-thread runtime answering "Hello World!", configured like rt's
//! (pipeline flush on), so static routes can be compared with it.

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

fn main() -> std::io::Result<()> {
  let port: u16 = std::env::var("PORT")
    .ok()
    .and_then(|p| p.parse().ok())
    .unwrap_or(3000);
  let rt = tokio::runtime::Builder::new_current_thread()
    .enable_all()
    .build()?;
  let local = tokio::task::LocalSet::new();
  local.block_on(&rt, async move {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    loop {
      let (stream, _) = listener.accept().await?;
      let _ = stream.set_nodelay(true);
      tokio::task::spawn_local(async move {
        let service = service_fn(|_req| async {
          let mut response =
            Response::new(Full::new(Bytes::from_static(b"Hello World!")));
          response.headers_mut().insert(
            "content-type",
            hyper::header::HeaderValue::from_static("text/plain;charset=utf-8"),
          );
          Ok::<_, Infallible>(response)
        });
        let _ = http1::Builder::new()
          .pipeline_flush(true)
          .serve_connection(TokioIo::new(stream), service)
          .await;
      });
    }
  })
}
