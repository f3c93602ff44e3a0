//! Plain servers written in the tests, on loopback ports.

/// Accepts connections on a loopback port in a thread of its own, handing
/// each to `serve` as a task; returns the port.
pub(crate) fn spawn_loopback_server<F, Fut>(serve: F) -> u16
where
  F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
  Fut: std::future::Future<Output = ()> + Send + 'static,
{
  let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
  listener.set_nonblocking(true).unwrap();
  let port = listener.local_addr().unwrap().port();
  std::thread::spawn(move || {
    let rt = tokio::runtime::Builder::new_current_thread()
      .enable_all()
      .build()
      .unwrap();
    rt.block_on(async move {
      let listener = tokio::net::TcpListener::from_std(listener).unwrap();
      while let Ok((stream, _)) = listener.accept().await {
        tokio::spawn(serve(stream));
      }
    });
  });
  port
}
