//! The load generator for benches/ws.sh, the same for every server.
//!
//! `ws_load echo URL CONNECTIONS SECONDS`: each connection keeps WINDOW
//! (8) 32-byte text messages in flight and counts echoes; prints echoes/s.
//! `ws_load pubsub BASE SUBSCRIBERS SECONDS`: SUBSCRIBERS connections on
//! BASE/sub, one publisher on BASE/pub keeping WINDOW messages ahead of the
//! slowest subscriber; prints messages delivered (summed over subscribers)
//! per second. A fifth argument sends the publisher to another server
//! (another process sharing topics through `--pubsub`).

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;
use std::time::Instant;

use futures::SinkExt as _;
use futures::StreamExt as _;
use tokio_tungstenite::tungstenite::Message;

const WINDOW: usize = 8;
const PAYLOAD: &str = "0123456789abcdef0123456789abcdef";

type Ws = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

async fn connect(url: &str) -> Ws {
  let uri: http::Uri = url.parse().expect("url");
  let host = uri.host().expect("host").to_string();
  let port = uri.port_u16().unwrap_or(80);
  let tcp = tokio::net::TcpStream::connect((host.as_str(), port))
    .await
    .expect("connect");
  tcp.set_nodelay(true).expect("nodelay");
  let (ws, _) = tokio_tungstenite::client_async(url, tcp)
    .await
    .expect("handshake");
  ws
}

async fn echo(url: String, connections: usize, seconds: u64) -> f64 {
  let done = Rc::new(Cell::new(0u64));
  let deadline = Instant::now() + Duration::from_secs(seconds);
  let mut tasks = Vec::new();
  for _ in 0..connections {
    let ws = connect(&url).await;
    let done = done.clone();
    tasks.push(tokio::task::spawn_local(async move {
      let (mut tx, mut rx) = ws.split();
      for _ in 0..WINDOW {
        tx.send(Message::text(PAYLOAD)).await.expect("send");
      }
      while let Some(Ok(message)) = rx.next().await {
        if !message.is_text() {
          continue;
        }
        done.set(done.get() + 1);
        if Instant::now() >= deadline {
          break;
        }
        tx.send(Message::text(PAYLOAD)).await.expect("send");
      }
    }));
  }
  let start = Instant::now();
  let before = done.get();
  for task in tasks {
    let _ = task.await;
  }
  (done.get() - before) as f64 / start.elapsed().as_secs_f64()
}

async fn pubsub(
  base: String,
  publish_base: String,
  subscribers: usize,
  seconds: u64,
) -> f64 {
  let received: Rc<Vec<Cell<u64>>> =
    Rc::new((0..subscribers).map(|_| Cell::new(0)).collect());
  let progress = Rc::new(tokio::sync::Notify::new());
  let mut tasks = Vec::new();
  for i in 0..subscribers {
    let mut ws = connect(&format!("{base}/sub")).await;
    let received = received.clone();
    let progress = progress.clone();
    tasks.push(tokio::task::spawn_local(async move {
      while let Some(Ok(message)) = ws.next().await {
        if message.is_text() {
          received[i].set(received[i].get() + 1);
          progress.notify_one();
        }
      }
    }));
  }
  // Give the server a moment to process the subscriptions: publish a probe
  // until every subscriber has seen one.
  let mut publisher = connect(&format!("{publish_base}/pub")).await;
  while received.iter().any(|r| r.get() == 0) {
    publisher.send(Message::text("probe")).await.expect("send");
    tokio::time::sleep(Duration::from_millis(10)).await;
  }
  let start_counts: u64 = received.iter().map(Cell::get).sum();
  let slowest = |r: &[Cell<u64>]| r.iter().map(Cell::get).min().unwrap_or(0);
  let mut sent = slowest(&received);
  let start = Instant::now();
  let deadline = start + Duration::from_secs(seconds);
  while Instant::now() < deadline {
    while sent < slowest(&received) + WINDOW as u64 {
      publisher.feed(Message::text(PAYLOAD)).await.expect("send");
      sent += 1;
    }
    publisher.flush().await.expect("flush");
    progress.notified().await;
  }
  let elapsed = start.elapsed().as_secs_f64();
  let total: u64 = received.iter().map(Cell::get).sum();
  for task in tasks {
    task.abort();
  }
  (total - start_counts) as f64 / elapsed
}

fn main() {
  let args: Vec<String> = std::env::args().collect();
  if args.len() != 5 && args.len() != 6 {
    eprintln!("usage: ws_load echo|pubsub URL COUNT SECONDS [PUBLISHER_URL]");
    std::process::exit(2);
  }
  let count: usize = args[3].parse().expect("count");
  let seconds: u64 = args[4].parse().expect("seconds");
  let rt = tokio::runtime::Builder::new_current_thread()
    .enable_all()
    .build()
    .expect("runtime");
  let local = tokio::task::LocalSet::new();
  let rate = local.block_on(&rt, async {
    match args[1].as_str() {
      "echo" => echo(args[2].clone(), count, seconds).await,
      _ => {
        let publish = args.get(5).unwrap_or(&args[2]).clone();
        pubsub(args[2].clone(), publish, count, seconds).await
      }
    }
  });
  println!("{}", rate.round());
}
