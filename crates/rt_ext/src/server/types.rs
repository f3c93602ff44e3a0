//! The server's shared vocabulary: its error, who a client is, request ids
//! and method codes, how a server is being stopped.

use std::net::SocketAddr;
use std::rc::Rc;

use crate::errors::Code;
use crate::errors::Coded;
use crate::errors::SystemCode;

/// Errors starting or running a server (Bun's messages, Node's codes).
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
  /// bind(2) failed.
  #[error("Failed to start server. Is port {port} in use? ({source})")]
  Bind {
    /// The port asked for.
    port: u16,
    /// What bind(2) said.
    #[source]
    source: std::io::Error,
  },
  /// bind(2) on a unix socket failed.
  #[error("Failed to listen on unix socket {path}: {source}")]
  BindUnix {
    /// The socket path.
    path: String,
    /// What bind(2) said.
    #[source]
    source: std::io::Error,
  },
  /// The hostname does not resolve to an address.
  #[error("Failed to resolve hostname '{0}'")]
  Resolve(String),
}

impl Coded for ServerError {
  fn code(&self) -> Code {
    match self {
      Self::Bind { source, .. } | Self::BindUnix { source, .. } => {
        SystemCode::of(source).code
      }
      Self::Resolve(_) => Code::NotFound,
    }
  }
}

crate::coded_error!(ServerError);

/// The certificate a client presented (`requestCert`).
#[derive(Debug)]
pub struct ClientCertificate {
  /// The leaf certificate, DER.
  pub der: Vec<u8>,
  /// Whether it chains to `ca` and is within its dates.
  pub authorized: bool,
}

/// Who is on the other end of a connection, as requests see it.
#[derive(Debug, Clone, Default)]
pub struct Peer {
  /// The client address (none on a unix socket).
  pub addr: Option<SocketAddr>,
  /// The certificate the client presented (`tls.requestCert`).
  pub certificate: Option<Rc<ClientCertificate>>,
}

/// A request id handed to JS.
pub type RequestId = u32;

/// Method codes shared with JS, so common methods need no op to read.
pub fn method_code(method: &http::Method) -> u32 {
  match *method {
    http::Method::GET => 1,
    http::Method::HEAD => 2,
    http::Method::POST => 3,
    http::Method::PUT => 4,
    http::Method::DELETE => 5,
    http::Method::PATCH => 6,
    http::Method::OPTIONS => 7,
    _ => 0,
  }
}

/// A request outlived its `server.timeout(req, seconds)`; hyper closes the
/// connection.
#[derive(Debug, thiserror::Error)]
#[error("request timed out")]
pub struct RequestTimedOut;

/// How a server is being stopped.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Stopping {
  /// Serving.
  No,
  /// `stop()`: idle connections close now, busy ones after their response.
  Graceful,
  /// `stop(true)`: everything closes now.
  Force,
}
