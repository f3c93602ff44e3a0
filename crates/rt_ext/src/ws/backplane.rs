//! Pub/sub across processes and hosts on Redis (`--pubsub redis://...`).
//!
//! A hub linked to the backplane hands each local publish here after
//! delivering it locally; a thread of its own (with its own tokio runtime,
//! so it outlives any replica) sends it to Redis as `PUBLISH rt:<server>:<topic>`.
//! The same connection holds one pattern subscription, `rt:*`, and hands
//! what arrives to the hub it names. Each message carries this process's
//! origin id, so a process drops its own publishes when Redis echoes them.
//!
//! Delivery is Redis pub/sub's: at most once. While the link is down
//! messages for other processes are lost (local delivery never waits on
//! Redis); the client reconnects with backoff and subscribes again.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::Weak;
use std::time::Duration;

use bytes::Bytes;
use redis::PushKind;
use redis::Value;
use redis::aio::ConnectionManager;
use redis::aio::ConnectionManagerConfig;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::Hub;

/// Prefix of every channel rt publishes on (then the server, then the topic).
const CHANNEL_PREFIX: &str = "rt:";
/// Frames rt writes start with this tag (version 1).
const FRAME_TAG: &[u8] = b"rt\x01";
/// Publishes waiting for the link; past this they are dropped (and counted)
/// rather than grow without bound while Redis is away.
const QUEUE: usize = 65_536;
/// Longest wait between reconnect attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Errors starting the backplane.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum BackplaneError {
  /// The URL is not a Redis URL.
  #[class(type)]
  #[error("invalid --pubsub URL \"{url}\": {reason}")]
  Url {
    /// The URL as given.
    url: String,
    /// Why it was refused.
    reason: String,
  },
  /// The backplane thread could not start.
  #[class(generic)]
  #[error("cannot start the pub/sub backplane: {0}")]
  Thread(#[from] std::io::Error),
}

/// The process's link to Redis, shared by every hub that publishes through it.
pub struct Backplane {
  outgoing: mpsc::Sender<(String, Bytes)>,
  origin: [u8; 8],
  hubs: Mutex<HashMap<String, Weak<Hub>>>,
  dropped: std::sync::atomic::AtomicU64,
}

impl Backplane {
  /// Checks `url` and starts the link's thread (it connects in the
  /// background and keeps retrying; local pub/sub works meanwhile).
  pub fn start(url: &str) -> Result<Arc<Self>, BackplaneError> {
    let refused = |reason: String| BackplaneError::Url {
      url: url.to_string(),
      reason,
    };
    if !url.starts_with("redis://") && !url.starts_with("rediss://") {
      return Err(refused("only redis:// URLs are supported".into()));
    }
    // RESP3 lets one connection both publish and receive pushes.
    let resp3 = if url.contains("protocol=") {
      url.to_string()
    } else if url.contains('?') {
      format!("{url}&protocol=resp3")
    } else {
      format!("{url}?protocol=resp3")
    };
    let client = redis::Client::open(resp3.as_str())
      .map_err(|e| refused(e.to_string()))?;
    let mut origin = [0u8; 8];
    getrandom::fill(&mut origin).map_err(|e| refused(e.to_string()))?;
    let (tx, rx) = mpsc::channel(QUEUE);
    let backplane = Arc::new(Self {
      outgoing: tx,
      origin,
      hubs: Mutex::default(),
      dropped: Default::default(),
    });
    let weak = Arc::downgrade(&backplane);
    let shown = url.to_string();
    std::thread::Builder::new()
      .name("rt-pubsub".into())
      .spawn(move || {
        let runtime = match tokio::runtime::Builder::new_current_thread()
          .enable_all()
          .build()
        {
          Ok(runtime) => runtime,
          Err(e) => {
            eprintln!("rt: pub/sub backplane cannot start: {e}");
            return;
          }
        };
        runtime.block_on(link(client, shown, rx, weak));
      })?;
    Ok(backplane)
  }

  /// Links `hub` as server `server` of this process: remote publishes on
  /// its channels are delivered to it.
  pub fn attach(&self, server: u32, hub: &Arc<Hub>) {
    self
      .hubs
      .lock()
      .unwrap_or_else(|e| e.into_inner())
      .insert(server.to_string(), Arc::downgrade(hub));
  }

  /// Queues a local publish for the other processes (never waits).
  pub(crate) fn forward(&self, server: &str, topic: &str, message: &Message) {
    let (kind, payload): (u8, &[u8]) = match message {
      Message::Text(text) => (b't', text.as_bytes()),
      Message::Binary(bytes) => (b'b', bytes),
      _ => return,
    };
    let mut frame = Vec::with_capacity(FRAME_TAG.len() + 9 + payload.len());
    frame.extend_from_slice(FRAME_TAG);
    frame.extend_from_slice(&self.origin);
    frame.push(kind);
    frame.extend_from_slice(payload);
    let channel = format!("{CHANNEL_PREFIX}{server}:{topic}");
    if self.outgoing.try_send((channel, frame.into())).is_err() {
      self
        .dropped
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
  }

  /// Publishes dropped because the queue to Redis was full.
  pub fn dropped(&self) -> u64 {
    self.dropped.load(std::sync::atomic::Ordering::Relaxed)
  }

  /// Delivers a message from Redis to the hub its channel names.
  fn deliver(&self, channel: &[u8], payload: &[u8]) {
    let Some(rest) = channel.strip_prefix(CHANNEL_PREFIX.as_bytes()) else {
      return;
    };
    let Some(split) = rest.iter().position(|&b| b == b':') else {
      return;
    };
    let (server, topic) = (&rest[..split], &rest[split + 1..]);
    let (Ok(server), Ok(topic)) =
      (std::str::from_utf8(server), std::str::from_utf8(topic))
    else {
      return;
    };
    let message = match payload.strip_prefix(FRAME_TAG) {
      Some(framed) if framed.len() >= 9 => {
        if framed[..8] == self.origin {
          return; // our own publish, already delivered here
        }
        let data = &framed[9..];
        match framed[8] {
          b't' => match std::str::from_utf8(data) {
            Ok(text) => Message::text(text),
            Err(_) => return,
          },
          _ => Message::Binary(Bytes::copy_from_slice(data)),
        }
      }
      // Published by something other than rt (redis-cli, another app).
      _ => match std::str::from_utf8(payload) {
        Ok(text) => Message::text(text),
        Err(_) => Message::Binary(Bytes::copy_from_slice(payload)),
      },
    };
    let hub = self
      .hubs
      .lock()
      .unwrap_or_else(|e| e.into_inner())
      .get(server)
      .and_then(Weak::upgrade);
    if let Some(hub) = hub {
      hub.deliver_local(topic, message, None);
    }
  }
}

/// The link's life: connect (retrying), subscribe, then publish what the
/// hubs queue and deliver what Redis pushes, until the process ends.
async fn link(
  client: redis::Client,
  url: String,
  mut outgoing: mpsc::Receiver<(String, Bytes)>,
  backplane: Weak<Backplane>,
) {
  let (push_tx, mut pushes) = mpsc::unbounded_channel();
  let config = ConnectionManagerConfig::new()
    .set_push_sender(push_tx)
    .set_automatic_resubscription()
    .set_connection_timeout(Some(Duration::from_secs(2)))
    .set_response_timeout(Some(Duration::from_secs(5)))
    .set_max_delay(MAX_BACKOFF);
  let mut backoff = Duration::from_millis(50);
  let mut reported = false;
  let mut manager = loop {
    match ConnectionManager::new_with_config(client.clone(), config.clone())
      .await
    {
      Ok(manager) => break manager,
      Err(e) => {
        if !reported {
          eprintln!("rt: pub/sub backplane cannot reach {url}: {e}; retrying");
          reported = true;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
      }
    }
  };
  loop {
    match manager.psubscribe(format!("{CHANNEL_PREFIX}*")).await {
      Ok(()) => break,
      Err(_) => {
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
      }
    }
  }
  if reported {
    eprintln!("rt: pub/sub backplane connected to {url}");
  }
  let mut lost = false;
  let (reconnected_tx, mut reconnected) = mpsc::unbounded_channel::<()>();
  loop {
    tokio::select! {
      first = outgoing.recv() => {
        let Some(first) = first else { return };
        // Everything queued goes in one pipeline, in order.
        let mut pipe = redis::pipe();
        pipe.cmd("PUBLISH").arg(&first.0).arg(first.1.as_ref()).ignore();
        while let Ok((channel, frame)) = outgoing.try_recv() {
          pipe.cmd("PUBLISH").arg(&channel).arg(frame.as_ref()).ignore();
        }
        let result: redis::RedisResult<()> = pipe.query_async(&mut manager).await;
        if let Err(e) = result && !lost {
          lost = true;
          eprintln!("rt: pub/sub backplane lost its link to {url} ({e}); reconnecting");
          spawn_reconnect(manager.clone(), reconnected_tx.clone());
        }
      }
      push = pushes.recv() => {
        let Some(push) = push else { return };
        match push.kind {
          PushKind::PMessage => {
            // [pattern, channel, payload]
            if let [_, Value::BulkString(channel), Value::BulkString(payload)] =
              push.data.as_slice()
            {
              let Some(backplane) = backplane.upgrade() else { return };
              backplane.deliver(channel, payload);
            }
          }
          PushKind::Disconnection if !lost => {
            lost = true;
            eprintln!("rt: pub/sub backplane lost its link to {url}; reconnecting");
            spawn_reconnect(manager.clone(), reconnected_tx.clone());
          }
          _ => {}
        }
      }
      Some(()) = reconnected.recv() => {
        if lost {
          lost = false;
          eprintln!("rt: pub/sub backplane reconnected to {url}");
        }
      }
    }
  }
}

/// Pings until the manager has a connection again (each failed command
/// makes it reconnect; it subscribes again by itself).
fn spawn_reconnect(
  mut manager: ConnectionManager,
  done: mpsc::UnboundedSender<()>,
) {
  tokio::spawn(async move {
    let mut backoff = Duration::from_millis(50);
    loop {
      let pong: redis::RedisResult<String> =
        redis::cmd("PING").query_async(&mut manager).await;
      if pong.is_ok() {
        let _ = done.send(());
        return;
      }
      tokio::time::sleep(backoff).await;
      backoff = (backoff * 2).min(MAX_BACKOFF);
    }
  });
}
