//! What the servers of one process share when it serves with several
//! replicas of the app (`rt serve --workers N`: N runtimes on threads of
//! their own, called replicas here so that they cannot be taken for Web
//! Workers) or links pub/sub to Redis (`--pubsub`):
//! the listening sockets (every replica's own, on one port through
//! SO_REUSEPORT) and one pub/sub hub per server.
//!
//! Servers are matched across replicas by the order they start in: the
//! first `Bun.serve` of every replica is server 0, and so on. Each replica runs
//! the same app, so the orders agree.
//!
//! The group, not the replica, owns each replica's listening socket: when a
//! replica crashes, the connections the kernel queued on its socket wait
//! there for the replica that replaces it instead of being reset with it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::Mutex;

use tokio::sync::mpsc;

use super::listen::HandoffSlot;
use super::listen::ListenAddr;
use super::listen::bind_host;
use super::listen::bind_reuse_port;
use super::types::ServerError;
use crate::ws::Hub;
use crate::ws::backplane::Backplane;

/// How the replicas of `--workers N` get their connections.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Balance {
  /// Each replica listens on the port (SO_REUSEPORT); the kernel picks a
  /// replica per connection by a hash of its address.
  #[default]
  ReusePort,
  /// One acceptor thread per server hands connections to the replicas in
  /// turn.
  Handoff,
}

/// Shared by the runtimes of one process.
#[derive(Default)]
pub struct ServeGroup {
  /// Replicas share the port (`--workers` > 1).
  pub reuse_port: bool,
  /// How they share it.
  pub balance: Balance,
  state: Mutex<GroupState>,
  backplane: Option<Arc<Backplane>>,
  acceptors: Mutex<HashMap<usize, Arc<Acceptor>>>,
}

/// One server's acceptor in handoff mode: a thread that accepts and hands
/// each connection to the next replica that still takes them.
struct Acceptor {
  listener: Arc<std::net::TcpListener>,
  replicas: Mutex<Vec<Option<mpsc::UnboundedSender<std::net::TcpStream>>>>,
}

impl Acceptor {
  fn run(&self) {
    let mut next = 0usize;
    while let Ok((stream, _)) = self.listener.accept() {
      let mut stream = Some(stream);
      let mut replicas =
        self.replicas.lock().unwrap_or_else(|e| e.into_inner());
      let count = replicas.len();
      for step in 0..count {
        let index = (next + step) % count;
        let Some(sender) = &replicas[index] else {
          continue;
        };
        let Some(taken) = stream.take() else { break };
        match sender.send(taken) {
          Ok(()) => {
            next = index + 1;
            break;
          }
          // That replica is gone (crashed); try the next one.
          Err(mpsc::error::SendError(back)) => {
            stream = Some(back);
            replicas[index] = None;
          }
        }
      }
      // No replica takes connections now: this one is closed.
    }
  }
}

#[derive(Default)]
struct GroupState {
  /// Per server: the address the first replica bound.
  addrs: Vec<Option<SocketAddr>>,
  /// Per server: its hub.
  hubs: Vec<Option<Arc<Hub>>>,
  /// Per (replica, server): the listening socket.
  listeners: HashMap<(usize, usize), Arc<std::net::TcpListener>>,
}

/// A runtime's place in its group: put in its op state.
#[derive(Clone)]
pub struct GroupMember {
  /// The group.
  pub group: Arc<ServeGroup>,
  /// Which replica this runtime is (0 without `--workers`).
  pub replica: usize,
}

impl GroupMember {
  /// The hub this replica's server number `ordinal` publishes through (the
  /// same for that server in every replica).
  pub fn hub(&self, ordinal: usize) -> Arc<Hub> {
    self.group.hub(ordinal)
  }

  /// This replica stopped its server number `ordinal` for good.
  pub fn release(&self, ordinal: usize) {
    self.group.release(self.replica, ordinal);
  }

  /// Where this replica's server number `ordinal` (its start order) listens:
  /// with several replicas on one port, the socket the group keeps for it
  /// (so it outlives a crash of this replica) or the group's acceptor;
  /// otherwise `listen` itself.
  pub fn listen_addr(
    &self,
    ordinal: usize,
    listen: ListenAddr,
  ) -> Result<ListenAddr, ServerError> {
    let ListenAddr::Tcp { hostname, port } = &listen else {
      return Ok(listen);
    };
    if !self.group.reuse_port {
      return Ok(listen);
    }
    Ok(match self.group.balance {
      Balance::ReusePort => ListenAddr::Inherited(self.group.listener(
        self.replica,
        ordinal,
        hostname,
        *port,
      )?),
      Balance::Handoff => ListenAddr::Handoff(self.group.handoff(
        self.replica,
        ordinal,
        hostname,
        *port,
      )?),
    })
  }
}

impl ServeGroup {
  /// A group; `reuse_port` for several replicas, `backplane` for `--pubsub`.
  pub fn new(
    reuse_port: bool,
    balance: Balance,
    backplane: Option<Arc<Backplane>>,
  ) -> Self {
    Self {
      reuse_port,
      balance,
      state: Mutex::default(),
      backplane,
      acceptors: Mutex::default(),
    }
  }

  /// Handoff mode: `replica`'s receiving end for server `server`, starting
  /// the server's acceptor (bound to `hostname:port`) the first time.
  pub fn handoff(
    &self,
    replica: usize,
    server: usize,
    hostname: &str,
    port: u16,
  ) -> Result<HandoffSlot, ServerError> {
    let mut acceptors =
      self.acceptors.lock().unwrap_or_else(|e| e.into_inner());
    let acceptor = match acceptors.get(&server) {
      Some(acceptor) => acceptor.clone(),
      None => {
        let listener = bind_host(hostname, port, std::net::TcpListener::bind)?;
        let acceptor = Arc::new(Acceptor {
          listener: Arc::new(listener),
          replicas: Mutex::default(),
        });
        let running = acceptor.clone();
        std::thread::Builder::new()
          .name(format!("rt-accept-{server}"))
          .spawn(move || running.run())
          .map_err(|source| ServerError::Bind { port, source })?;
        acceptors.insert(server, acceptor.clone());
        acceptor
      }
    };
    let addr = acceptor
      .listener
      .local_addr()
      .map_err(|source| ServerError::Bind { port, source })?;
    let (sender, receiver) = mpsc::unbounded_channel();
    let mut replicas =
      acceptor.replicas.lock().unwrap_or_else(|e| e.into_inner());
    if replicas.len() <= replica {
      replicas.resize(replica + 1, None);
    }
    replicas[replica] = Some(sender);
    Ok(HandoffSlot::new(receiver, addr))
  }

  /// Handoff mode: `replica` takes no more connections of `server` (or of
  /// any server); once no replica does, the acceptor stops listening.
  fn leave_acceptors(&self, replica: usize, server: Option<usize>) {
    let acceptors = self.acceptors.lock().unwrap_or_else(|e| e.into_inner());
    for (index, acceptor) in acceptors.iter() {
      if server.is_some_and(|s| s != *index) {
        continue;
      }
      let mut replicas =
        acceptor.replicas.lock().unwrap_or_else(|e| e.into_inner());
      if let Some(slot) = replicas.get_mut(replica) {
        *slot = None;
      }
      if replicas.iter().all(Option::is_none) {
        unlisten(&acceptor.listener);
      }
    }
  }

  fn state(&self) -> std::sync::MutexGuard<'_, GroupState> {
    self.state.lock().unwrap_or_else(|e| e.into_inner())
  }

  /// The listening socket of `replica`'s server `server`: the one it had
  /// before a crash, or a new one on the port server `server` of the first
  /// replica got (the port asked for, 0 picking one, the first time). The
  /// group's lock is held meanwhile, so two replicas cannot both pick a port.
  pub fn listener(
    &self,
    replica: usize,
    server: usize,
    hostname: &str,
    port: u16,
  ) -> Result<Arc<std::net::TcpListener>, ServerError> {
    let mut state = self.state();
    if let Some(listener) = state.listeners.get(&(replica, server)) {
      return Ok(listener.clone());
    }
    if state.addrs.len() <= server {
      state.addrs.resize(server + 1, None);
    }
    let port = match state.addrs[server] {
      Some(addr) if port == 0 || port == addr.port() => addr.port(),
      _ => port,
    };
    let listener = Arc::new(bind_host(hostname, port, bind_reuse_port)?);
    if state.addrs[server].is_none() {
      state.addrs[server] = listener.local_addr().ok();
    }
    state.listeners.insert((replica, server), listener.clone());
    Ok(listener)
  }

  /// `replica` stopped server `server` for good: its socket stops
  /// listening at once (the replica's accept loop lets go of it a little
  /// later; meanwhile the kernel would still queue connections on it).
  pub fn release(&self, replica: usize, server: usize) {
    if let Some(listener) = self.state().listeners.remove(&(replica, server)) {
      unlisten(&listener);
    }
    self.leave_acceptors(replica, Some(server));
  }

  /// `replica` ended and will not be restarted: its sockets close.
  pub fn release_replica(&self, replica: usize) {
    self.state().listeners.retain(|(w, _), listener| {
      if *w == replica {
        unlisten(listener);
      }
      *w != replica
    });
    self.leave_acceptors(replica, None);
  }

  /// The hub every replica's server `server` publishes through.
  pub fn hub(&self, server: usize) -> Arc<Hub> {
    let mut state = self.state();
    if state.hubs.len() <= server {
      state.hubs.resize(server + 1, None);
    }
    state.hubs[server]
      .get_or_insert_with(|| {
        let hub = Arc::new(Hub::default());
        if let Some(backplane) = &self.backplane {
          hub.link(backplane.clone(), server as u32);
        }
        hub
      })
      .clone()
  }
}

/// Takes a listening socket out of its SO_REUSEPORT group now: on Linux,
/// shutdown(2) on a listening socket ends its LISTEN state for every
/// descriptor that shares it.
fn unlisten(listener: &std::net::TcpListener) {
  let _ = socket2::SockRef::from(listener).shutdown(std::net::Shutdown::Read);
}
