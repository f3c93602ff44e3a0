//! What the servers of one process share when it serves with several
//! workers (`rt serve --workers N`) or links pub/sub to Redis (`--pubsub`):
//! the port each server is bound to, so every worker listens on the same one
//! (SO_REUSEPORT), and one pub/sub hub per server.
//!
//! Servers are matched across workers by the order they start in: the
//! first `Bun.serve` of every worker is server 0, and so on. Each worker runs
//! the same app, so the orders agree.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;

use crate::ws::Hub;
use crate::ws::backplane::Backplane;

/// Shared by the runtimes of one process (put in each one's op state).
#[derive(Default)]
pub struct ServeGroup {
  /// Bind every TCP listener with SO_REUSEPORT.
  pub reuse_port: bool,
  slots: Mutex<Vec<Slot>>,
  backplane: Option<Arc<Backplane>>,
}

#[derive(Default)]
struct Slot {
  addr: Option<SocketAddr>,
  hub: Option<Arc<Hub>>,
}

impl ServeGroup {
  /// A group; `reuse_port` for several workers, `backplane` for `--pubsub`.
  pub fn new(reuse_port: bool, backplane: Option<Arc<Backplane>>) -> Self {
    Self {
      reuse_port,
      slots: Mutex::default(),
      backplane,
    }
  }

  fn with_slot<T>(&self, server: usize, f: impl FnOnce(&mut Slot) -> T) -> T {
    let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
    if slots.len() <= server {
      slots.resize_with(server + 1, Slot::default);
    }
    f(&mut slots[server])
  }

  /// Binds server `server` through `bind(port)`: the first worker binds the
  /// port it asked for (0 picks one), later ones the port it got. Holds the
  /// group's lock meanwhile, so two workers cannot both pick a port.
  pub fn bind<T, E>(
    &self,
    server: usize,
    port: u16,
    bind: impl FnOnce(u16) -> Result<T, E>,
    addr_of: impl FnOnce(&T) -> Option<SocketAddr>,
  ) -> Result<T, E> {
    self.with_slot(server, |slot| {
      let port = match slot.addr {
        Some(addr) if port == 0 || port == addr.port() => addr.port(),
        _ => port,
      };
      let bound = bind(port)?;
      if slot.addr.is_none() {
        slot.addr = addr_of(&bound);
      }
      Ok(bound)
    })
  }

  /// The hub every worker's server `server` publishes through.
  pub fn hub(&self, server: usize) -> Arc<Hub> {
    self.with_slot(server, |slot| {
      slot
        .hub
        .get_or_insert_with(|| {
          let hub = Arc::new(Hub::default());
          if let Some(backplane) = &self.backplane {
            hub.link(backplane.clone(), server as u32);
          }
          hub
        })
        .clone()
    })
  }
}
