//! TCP and Unix-domain sockets for `node:net`, `Bun.listen` and
//! `Bun.connect`: listeners, connected streams and their addresses, on
//! tokio. Reads and writes go through readiness (`readable`/`try_read`,
//! `writable`/`try_write`), which take `&self`, so a read can wait while a
//! write runs and Bun's non-blocking `write()` (bytes accepted now) exists.

use std::borrow::Cow;
use std::io;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::os::fd::RawFd;
use std::path::PathBuf;

use deno_error::PropertyValue;
use tokio::net::TcpListener;
use tokio::net::TcpStream;
use tokio::net::UnixListener;
use tokio::net::UnixStream;

use crate::errors::Code;
use crate::errors::Coded;
use crate::errors::SystemCode;
use crate::errors::property;

/// Errors from socket operations, with the errno name Node reports.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
  /// An OS error (`ECONNREFUSED`, `EADDRINUSE`, ...).
  #[error("{syscall} {}{}", code.as_str(), address.as_ref().map(|a| format!(" {a}")).unwrap_or_default())]
  Io {
    /// The failing call (`connect`, `listen`, `read`, `write`).
    syscall: &'static str,
    /// The errno's row.
    code: Code,
    /// The negative errno, as Node reports it.
    errno: i32,
    /// `host:port` or the socket path, when there is one.
    address: Option<String>,
  },
  /// The host name did not resolve.
  #[error("getaddrinfo ENOTFOUND {0}")]
  NotFound(String),
  /// The socket was closed while an operation waited on it.
  #[error("The socket is closed")]
  Closed,
}

impl Coded for NetError {
  fn code(&self) -> Code {
    match self {
      Self::Io { code, .. } => *code,
      Self::NotFound(_) => Code::NotFound,
      Self::Closed => Code::SocketClosed,
    }
  }

  fn properties(&self) -> Vec<(Cow<'static, str>, PropertyValue)> {
    match self {
      Self::Io { syscall, errno, .. } => vec![
        property("syscall", *syscall),
        property("errno", f64::from(*errno)),
      ],
      Self::NotFound(_) => vec![property("syscall", "getaddrinfo")],
      Self::Closed => Vec::new(),
    }
  }
}

crate::coded_error!(NetError);

impl NetError {
  /// An I/O error from `syscall`, naming `address`.
  pub fn io(
    e: io::Error,
    syscall: &'static str,
    address: Option<String>,
  ) -> Self {
    let system = SystemCode::of(&e);
    Self::Io {
      syscall,
      code: system.code,
      errno: system.errno,
      address,
    }
  }
}

/// Where a socket is bound or connected.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Endpoint {
  /// IP address, or the socket path for a Unix socket.
  pub address: String,
  /// Port (0 for a Unix socket).
  pub port: u16,
  /// `IPv4`, `IPv6` or `Unix`.
  pub family: &'static str,
}

impl Endpoint {
  fn ip(addr: SocketAddr) -> Self {
    Self {
      address: addr.ip().to_canonical().to_string(),
      port: addr.port(),
      family: if addr.ip().to_canonical().is_ipv4() {
        "IPv4"
      } else {
        "IPv6"
      },
    }
  }

  fn unix(path: &str) -> Self {
    Self {
      address: path.to_string(),
      port: 0,
      family: "Unix",
    }
  }
}

/// A listening socket.
pub enum Listener {
  /// TCP.
  Tcp(TcpListener),
  /// A Unix-domain socket at this path.
  Unix(UnixListener, PathBuf),
}

impl Listener {
  /// Binds TCP on `host:port` (the first address the name resolves to).
  /// Synchronous, as `Bun.listen` and `server.listen` bind before they
  /// return; a name other than an address is resolved by the system.
  pub fn bind_tcp(host: &str, port: u16) -> Result<Self, NetError> {
    use std::net::ToSocketAddrs;
    let host = if host.is_empty() { "0.0.0.0" } else { host };
    let shown = format!("{host}:{port}");
    let addr = (host, port)
      .to_socket_addrs()
      .ok()
      .and_then(|mut addrs| addrs.next())
      .ok_or_else(|| NetError::NotFound(host.to_string()))?;
    let fail = |e| NetError::io(e, "listen", Some(shown.clone()));
    let socket = socket2::Socket::new(
      socket2::Domain::for_address(addr),
      socket2::Type::STREAM,
      None,
    )
    .map_err(fail)?;
    socket.set_reuse_address(true).map_err(fail)?;
    socket.bind(&addr.into()).map_err(fail)?;
    socket.listen(511).map_err(fail)?;
    socket.set_nonblocking(true).map_err(fail)?;
    let listener = TcpListener::from_std(socket.into()).map_err(fail)?;
    Ok(Self::Tcp(listener))
  }

  /// Binds a Unix-domain socket at `path`.
  pub fn bind_unix(path: &str) -> Result<Self, NetError> {
    let listener = UnixListener::bind(path)
      .map_err(|e| NetError::io(e, "listen", Some(path.to_string())))?;
    Ok(Self::Unix(listener, PathBuf::from(path)))
  }

  /// Where it listens.
  pub fn local(&self) -> Result<Endpoint, NetError> {
    match self {
      Self::Tcp(l) => l
        .local_addr()
        .map(Endpoint::ip)
        .map_err(|e| NetError::io(e, "getsockname", None)),
      Self::Unix(_, path) => Ok(Endpoint::unix(&path.display().to_string())),
    }
  }

  /// Stops listening at once (Linux ends a listen on `shutdown`); new
  /// connections are refused, waiting accepts fail.
  pub fn stop(&self) {
    let fd = match self {
      Self::Tcp(l) => l.as_raw_fd(),
      Self::Unix(l, _) => l.as_raw_fd(),
    };
    // SAFETY: the descriptor belongs to this listener and is open.
    unsafe { libc::shutdown(fd, libc::SHUT_RDWR) };
  }

  /// The next connection.
  pub async fn accept(&self) -> Result<Stream, NetError> {
    match self {
      Self::Tcp(l) => {
        let (stream, _) = l
          .accept()
          .await
          .map_err(|e| NetError::io(e, "accept", None))?;
        Ok(Stream::Tcp(stream))
      }
      Self::Unix(l, path) => {
        let (stream, _) = l
          .accept()
          .await
          .map_err(|e| NetError::io(e, "accept", None))?;
        Ok(Stream::Unix(stream, path.display().to_string()))
      }
    }
  }
}

impl Drop for Listener {
  fn drop(&mut self) {
    // Node and Bun remove the socket file when the server closes.
    if let Self::Unix(_, path) = self {
      let _ = std::fs::remove_file(path);
    }
  }
}

async fn resolve(host: &str, port: u16) -> Result<SocketAddr, NetError> {
  let host = if host.is_empty() { "0.0.0.0" } else { host };
  let mut addrs = tokio::net::lookup_host((host, port))
    .await
    .map_err(|_| NetError::NotFound(host.to_string()))?;
  addrs
    .next()
    .ok_or_else(|| NetError::NotFound(host.to_string()))
}

/// A connected socket.
pub enum Stream {
  /// TCP.
  Tcp(TcpStream),
  /// Unix-domain, with the path it is bound to or connected at.
  Unix(UnixStream, String),
}

impl Stream {
  /// Connects over TCP to `host:port`.
  pub async fn connect_tcp(host: &str, port: u16) -> Result<Self, NetError> {
    let shown = format!("{host}:{port}");
    let addr = resolve(host, port).await?;
    let stream = TcpStream::connect(addr)
      .await
      .map_err(|e| NetError::io(e, "connect", Some(shown)))?;
    Ok(Self::Tcp(stream))
  }

  /// Connects to the Unix-domain socket at `path`.
  pub async fn connect_unix(path: &str) -> Result<Self, NetError> {
    let stream = UnixStream::connect(path)
      .await
      .map_err(|e| NetError::io(e, "connect", Some(path.to_string())))?;
    Ok(Self::Unix(stream, path.to_string()))
  }

  /// This end's address.
  pub fn local(&self) -> Option<Endpoint> {
    match self {
      Self::Tcp(s) => s.local_addr().ok().map(Endpoint::ip),
      Self::Unix(_, path) => Some(Endpoint::unix(path)),
    }
  }

  /// The peer's address.
  pub fn remote(&self) -> Option<Endpoint> {
    match self {
      Self::Tcp(s) => s.peer_addr().ok().map(Endpoint::ip),
      Self::Unix(_, path) => Some(Endpoint::unix(path)),
    }
  }

  /// Reads what is available (waiting for some); 0 at end of stream.
  pub async fn read(&self, buf: &mut [u8]) -> Result<usize, NetError> {
    loop {
      let ready = match self {
        Self::Tcp(s) => s.readable().await,
        Self::Unix(s, _) => s.readable().await,
      };
      ready.map_err(|e| NetError::io(e, "read", None))?;
      let got = match self {
        Self::Tcp(s) => s.try_read(buf),
        Self::Unix(s, _) => s.try_read(buf),
      };
      match got {
        Ok(n) => return Ok(n),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
        Err(e) => return Err(NetError::io(e, "read", None)),
      }
    }
  }

  /// Writes what the socket takes now, without waiting (Bun's `write`).
  pub fn try_write(&self, data: &[u8]) -> Result<usize, NetError> {
    let wrote = match self {
      Self::Tcp(s) => s.try_write(data),
      Self::Unix(s, _) => s.try_write(data),
    };
    match wrote {
      Ok(n) => Ok(n),
      Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(0),
      Err(e) => Err(NetError::io(e, "write", None)),
    }
  }

  /// Waits until the socket takes more bytes.
  pub async fn writable(&self) -> Result<(), NetError> {
    match self {
      Self::Tcp(s) => s.writable().await,
      Self::Unix(s, _) => s.writable().await,
    }
    .map_err(|e| NetError::io(e, "write", None))
  }

  /// Writes all of `data`, waiting for room as needed.
  pub async fn write_all(&self, mut data: &[u8]) -> Result<(), NetError> {
    while !data.is_empty() {
      let n = self.try_write(data)?;
      if n == 0 {
        self.writable().await?;
      }
      data = &data[n..];
    }
    Ok(())
  }

  fn fd(&self) -> RawFd {
    match self {
      Self::Tcp(s) => s.as_raw_fd(),
      Self::Unix(s, _) => s.as_raw_fd(),
    }
  }

  /// Half-closes: the peer reads end of stream; reading continues.
  pub fn shutdown_write(&self) -> Result<(), NetError> {
    // SAFETY: the descriptor is owned by this stream and open while it lives.
    let rc = unsafe { libc::shutdown(self.fd(), libc::SHUT_WR) };
    if rc == 0 {
      Ok(())
    } else {
      let e = io::Error::last_os_error();
      if e.raw_os_error() == Some(libc::ENOTCONN) {
        return Ok(());
      }
      Err(NetError::io(e, "shutdown", None))
    }
  }

  /// TCP_NODELAY (TCP only; a Unix socket ignores it).
  pub fn set_nodelay(&self, on: bool) -> Result<(), NetError> {
    match self {
      Self::Tcp(s) => s
        .set_nodelay(on)
        .map_err(|e| NetError::io(e, "setsockopt", None)),
      Self::Unix(..) => Ok(()),
    }
  }

  /// SO_KEEPALIVE, with the first probe after `idle_secs` when given.
  pub fn set_keepalive(
    &self,
    on: bool,
    idle_secs: Option<u32>,
  ) -> Result<(), NetError> {
    let Self::Tcp(s) = self else {
      return Ok(());
    };
    let sock = socket2::SockRef::from(s);
    sock
      .set_keepalive(on)
      .map_err(|e| NetError::io(e, "setsockopt", None))?;
    if let (true, Some(secs)) = (on, idle_secs.filter(|s| *s > 0)) {
      let params = socket2::TcpKeepalive::new()
        .with_time(std::time::Duration::from_secs(u64::from(secs)));
      sock
        .set_tcp_keepalive(&params)
        .map_err(|e| NetError::io(e, "setsockopt", None))?;
    }
    Ok(())
  }
}
