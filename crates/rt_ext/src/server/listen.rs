//! Sockets: where a server listens, binding (Bun's errors when it cannot),
//! accepting, and the connection types the layers above serve.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::Mutex;

use tokio::net::TcpListener;
use tokio::net::TcpStream;
use tokio::net::UnixListener;
use tokio::net::UnixStream;
use tokio::sync::mpsc;
use tokio_rustls::server::TlsStream;
use tokio_util::either::Either;

use super::types::ServerError;
use crate::ws::prefixed::Prefixed;

/// Where to listen.
#[derive(Debug, Clone)]
pub enum ListenAddr {
  /// A TCP host and port (0 = any free port).
  Tcp { hostname: String, port: u16 },
  /// A unix socket path; a leading NUL byte is a Linux abstract socket.
  Unix(PathBuf),
  /// A TCP socket already listening, kept by the replica group so that it
  /// outlives a replica that crashes (see `group.rs`).
  Inherited(Arc<std::net::TcpListener>),
  /// Connections a replica group's acceptor hands to this replica.
  Handoff(HandoffSlot),
}

/// What a replica's server receives in handoff mode.
pub type HandoffReceiver = mpsc::UnboundedReceiver<std::net::TcpStream>;

/// A replica's end of an acceptor, taken once by the server that binds it.
#[derive(Clone)]
pub struct HandoffSlot {
  receiver: Arc<Mutex<Option<HandoffReceiver>>>,
  addr: SocketAddr,
}

impl std::fmt::Debug for HandoffSlot {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    write!(f, "HandoffSlot({})", self.addr)
  }
}

impl HandoffSlot {
  /// A slot holding `receiver`, for connections accepted on `addr`.
  pub fn new(receiver: HandoffReceiver, addr: SocketAddr) -> Self {
    Self {
      receiver: Arc::new(Mutex::new(Some(receiver))),
      addr,
    }
  }

  /// The receiver and the acceptor's address (once).
  pub fn take(&self) -> Option<(HandoffReceiver, SocketAddr)> {
    let receiver = self
      .receiver
      .lock()
      .unwrap_or_else(|e| e.into_inner())
      .take()?;
    Some((receiver, self.addr))
  }
}

/// A bound listener.
pub(super) enum Listener {
  Tcp(TcpListener),
  Unix(UnixListener, PathBuf),
  /// Connections accepted elsewhere (`--workers-accept handoff`).
  Handoff(std::cell::RefCell<HandoffReceiver>, SocketAddr),
}

impl Listener {
  /// Binds synchronously: `Bun.serve` returns a listening server at once.
  pub(super) fn bind(
    addr: &ListenAddr,
    reuse_port: bool,
  ) -> Result<Self, ServerError> {
    match addr {
      ListenAddr::Tcp { hostname, port } => {
        bind_host(hostname, *port, |addr| bind_tcp(addr, reuse_port))
          .map(Self::Tcp)
      }
      ListenAddr::Handoff(slot) => {
        let (receiver, addr) =
          slot.take().ok_or_else(|| ServerError::Bind {
            port: 0,
            source: io::Error::other("handoff receiver already taken"),
          })?;
        Ok(Self::Handoff(std::cell::RefCell::new(receiver), addr))
      }
      ListenAddr::Inherited(listener) => {
        let adopt = || -> std::io::Result<TcpListener> {
          let listener = listener.try_clone()?;
          listener.set_nonblocking(true)?;
          TcpListener::from_std(listener)
        };
        let port = listener.local_addr().map_or(0, |a| a.port());
        adopt()
          .map(Self::Tcp)
          .map_err(|source| ServerError::Bind { port, source })
      }
      ListenAddr::Unix(path) => {
        let bind = || -> std::io::Result<UnixListener> {
          let listener = std::os::unix::net::UnixListener::bind(path)?;
          listener.set_nonblocking(true)?;
          UnixListener::from_std(listener)
        };
        let listener = bind().map_err(|source| ServerError::BindUnix {
          path: path.display().to_string(),
          source,
        })?;
        Ok(Self::Unix(listener, path.clone()))
      }
    }
  }

  /// The bound TCP address (none for unix sockets).
  pub(super) fn local_addr(&self) -> Option<SocketAddr> {
    match self {
      Self::Tcp(l) => l.local_addr().ok(),
      Self::Unix(..) => None,
      Self::Handoff(_, addr) => Some(*addr),
    }
  }

  pub(super) async fn accept(&self) -> io::Result<(Plain, Option<SocketAddr>)> {
    match self {
      Self::Handoff(receiver, _) => {
        let handed =
          std::future::poll_fn(|cx| receiver.borrow_mut().poll_recv(cx)).await;
        // The acceptor is gone for good: nothing more will come (the
        // accept loop ends when the server stops).
        let Some(stream) = handed else {
          return std::future::pending().await;
        };
        let remote = stream.peer_addr().ok();
        stream.set_nonblocking(true)?;
        let stream = TcpStream::from_std(stream)?;
        let _ = stream.set_nodelay(true);
        Ok((Either::Left(stream), remote))
      }
      Self::Tcp(l) => {
        let (stream, remote) = l.accept().await?;
        let _ = stream.set_nodelay(true);
        Ok((Either::Left(stream), Some(remote)))
      }
      Self::Unix(l, _) => {
        let (stream, _) = l.accept().await?;
        Ok((Either::Right(stream), None))
      }
    }
  }
}

/// Resolves `hostname` and binds the first of its addresses `bind`
/// accepts: Bun's errors when none resolves or none binds.
pub(super) fn bind_host<T>(
  hostname: &str,
  port: u16,
  mut bind: impl FnMut(SocketAddr) -> io::Result<T>,
) -> Result<T, ServerError> {
  use std::net::ToSocketAddrs as _;
  let host = hostname.trim_start_matches('[').trim_end_matches(']');
  let addrs = (host, port)
    .to_socket_addrs()
    .map_err(|_| ServerError::Resolve(hostname.to_string()))?;
  let mut last_error = None;
  for addr in addrs {
    match bind(addr) {
      Ok(bound) => return Ok(bound),
      Err(e) => last_error = Some(e),
    }
  }
  Err(match last_error {
    Some(source) => ServerError::Bind { port, source },
    None => ServerError::Resolve(hostname.to_string()),
  })
}

fn bind_tcp(
  addr: SocketAddr,
  reuse_port: bool,
) -> std::io::Result<TcpListener> {
  let listener = if reuse_port {
    bind_reuse_port(addr)?
  } else {
    std::net::TcpListener::bind(addr)?
  };
  listener.set_nonblocking(true)?;
  TcpListener::from_std(listener)
}

/// A listening socket with SO_REUSEPORT: every listener on the port must
/// set it before bind; the kernel then spreads new connections over them
/// by a hash of the peer's address.
pub fn bind_reuse_port(
  addr: SocketAddr,
) -> std::io::Result<std::net::TcpListener> {
  let socket = socket2::Socket::new(
    socket2::Domain::for_address(addr),
    socket2::Type::STREAM,
    Some(socket2::Protocol::TCP),
  )?;
  socket.set_reuse_address(true)?;
  socket.set_reuse_port(true)?;
  socket.bind(&addr.into())?;
  socket.listen(1024)?;
  Ok(socket.into())
}

impl Drop for Listener {
  fn drop(&mut self) {
    if let Self::Unix(_, path) = self {
      // Bun removes the socket file on close; abstract sockets have none.
      if !path.as_os_str().as_encoded_bytes().starts_with(b"\0") {
        let _ = std::fs::remove_file(path);
      }
    }
  }
}

/// A connected socket: TCP or a unix domain socket.
pub type Plain = Either<TcpStream, UnixStream>;

/// A connection as served: plain, or TLS over a plain socket (boxed: the
/// rustls state is large, and plain connections should not carry its size).
pub type Io = Either<Plain, Box<TlsStream<Plain>>>;

/// The socket under a connection.
pub(super) fn socket(io: &Io) -> &Plain {
  match io {
    Either::Left(plain) => plain,
    Either::Right(tls) => tls.get_ref().0,
  }
}

/// Waits until the socket has something to read (or failed). For TLS this
/// is only called after a read found nothing, so rustls holds no plaintext.
pub(super) async fn readable(plain: &Plain) -> io::Result<()> {
  match plain {
    Either::Left(s) => s.readable().await,
    Either::Right(s) => s.readable().await,
  }
}

/// A connection handed over after `101 Switching Protocols`: reads return
/// the bytes the client sent behind its request head first.
pub type Upgraded = Prefixed<Io>;
