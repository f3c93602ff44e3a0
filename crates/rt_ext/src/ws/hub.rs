//! Pub/sub for one server: topics to subscribers in a [`DashMap`], so a
//! publish fans out in Rust. The replicas of `rt serve --workers N` share one
//! hub per server, so a publish reaches every replica's sockets without
//! entering JS per subscriber. The message is built once; each subscriber's
//! queue gets a clone that shares its payload. A hub linked to a
//! [`Backplane`] also forwards local publishes to other processes.

use std::collections::HashMap;
use std::sync::Arc;

use dashmap::DashMap;
use tokio_tungstenite::tungstenite::Message;

use super::SEND_DROPPED;
use super::Socket;
use super::backplane::Backplane;

/// Topics and their subscribers, for one server.
#[derive(Default)]
pub struct Hub {
  topics: DashMap<Arc<str>, HashMap<u32, Arc<Socket>>>,
  /// The backplane, and this hub's server number on it.
  link: std::sync::OnceLock<(Arc<Backplane>, String)>,
}

impl Hub {
  /// Forwards this hub's publishes through `backplane` as server `server`,
  /// and receives the other processes' publishes for it.
  pub fn link(self: &Arc<Self>, backplane: Arc<Backplane>, server: u32) {
    backplane.attach(server, self);
    let _ = self.link.set((backplane, server.to_string()));
  }

  /// Subscribes; `false` if it already was.
  pub fn subscribe(&self, socket: &Arc<Socket>, topic: &str) -> bool {
    if !socket.open.load(std::sync::atomic::Ordering::Acquire) {
      return false;
    }
    let topic: Arc<str> = Arc::from(topic);
    if !socket.topics().insert(topic.clone()) {
      return false;
    }
    self
      .topics
      .entry(topic)
      .or_default()
      .insert(socket.id(), socket.clone());
    true
  }

  /// Unsubscribes; `false` if it was not subscribed.
  pub fn unsubscribe(&self, socket: &Socket, topic: &str) -> bool {
    if !socket.topics().remove(topic) {
      return false;
    }
    self.remove_from(topic, socket.id());
    true
  }

  fn remove_from(&self, topic: &str, socket: u32) {
    let emptied = match self.topics.get_mut(topic) {
      Some(mut subscribers) => {
        subscribers.remove(&socket);
        subscribers.is_empty()
      }
      None => false,
    };
    if emptied {
      self.topics.remove_if(topic, |_, s| s.is_empty());
    }
  }

  /// Subscribers of `topic`.
  pub fn subscriber_count(&self, topic: &str) -> usize {
    self.topics.get(topic).map_or(0, |s| s.len())
  }

  /// Queues `message` on every subscriber of `topic` but `exclude`, in
  /// every replica, and hands it to the backplane for other processes. The
  /// message's length if a local subscriber took it, else 0 (Bun's answer:
  /// remote subscribers are not counted).
  pub fn publish(
    &self,
    topic: &str,
    message: Message,
    exclude: Option<u32>,
  ) -> i64 {
    if let Some((backplane, server)) = self.link.get() {
      backplane.forward(server, topic, &message);
    }
    self.deliver_local(topic, message, exclude)
  }

  /// Queues `message` on this process's subscribers of `topic` only.
  pub fn deliver_local(
    &self,
    topic: &str,
    message: Message,
    exclude: Option<u32>,
  ) -> i64 {
    let Some(subscribers) = self.topics.get(topic) else {
      return SEND_DROPPED;
    };
    let len = i64::try_from(message.len()).unwrap_or(i64::MAX);
    let mut delivered = false;
    for (id, socket) in subscribers.iter() {
      if Some(*id) != exclude && socket.send(message.clone()) != SEND_DROPPED {
        delivered = true;
      }
    }
    if delivered { len } else { SEND_DROPPED }
  }

  /// Drops a closed socket from every topic it was subscribed to.
  pub(crate) fn forget(&self, socket: &Socket) {
    let topics: Vec<Arc<str>> = socket.topics().drain().collect();
    for topic in topics {
      self.remove_from(&topic, socket.id());
    }
  }
}
