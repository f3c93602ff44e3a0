//! rt's error codes in one table: each row names a failure, the JS class
//! it is thrown as and the `.code` it carries (Node's, Bun's or OpenSSL's
//! code where they have one; rt's words otherwise).
//!
//! Rust errors take their class and code from here: an error type says
//! which row each of its cases is ([`Coded`]) and [`coded_error!`] makes
//! its `JsErrorClass` from that. JS gets the table once, while the startup
//! snapshot is made (`op_rt_error_codes`), and throws through it:
//! `errors.InvalidArgType("...")` in `ext/web/01_errors.js`. Rows are
//! situations, so a code may appear in more than one: thrown as another
//! class (Bun's fetch rejects with `TypeError`s whose codes are also socket
//! errors' codes), or by another part of rt that names it its own way.

use std::borrow::Cow;

use deno_error::PropertyValue;

/// Declares [`Code`] from the table rows: `Name: Class = "CODE";`.
macro_rules! table {
  ($( $(#[$doc:meta])* $name:ident: $class:ident = $code:literal; )*) => {
    /// A row of rt's error-code table (see the module docs).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Code {
      $( $(#[$doc])* $name, )*
    }

    impl Code {
      /// Every row, in table order.
      pub const ALL: &'static [Code] = &[$(Code::$name),*];

      /// The row's name (what JS calls it: `errors.InvalidArgType`).
      pub const fn name(self) -> &'static str {
        match self { $(Code::$name => stringify!($name)),* }
      }

      /// The JS class the error is thrown as.
      pub const fn class(self) -> &'static str {
        match self { $(Code::$name => stringify!($class)),* }
      }

      /// The error's `.code`.
      pub const fn as_str(self) -> &'static str {
        match self { $(Code::$name => $code),* }
      }
    }
  };
}

table! {
  // Node's argument and state errors.
  InvalidArgType: TypeError = "ERR_INVALID_ARG_TYPE";
  InvalidArgValue: TypeError = "ERR_INVALID_ARG_VALUE";
  OutOfRange: RangeError = "ERR_OUT_OF_RANGE";
  MissingArgs: TypeError = "ERR_MISSING_ARGS";
  InvalidState: Error = "ERR_INVALID_STATE";
  NotSupported: Error = "ERR_NOT_SUPPORTED";
  /// An option rt does not support yet (`Bun.listen({ tls })`).
  UnsupportedOption: TypeError = "ERR_NOT_SUPPORTED";
  UnknownEncoding: TypeError = "ERR_UNKNOWN_ENCODING";
  BufferOutOfBounds: RangeError = "ERR_BUFFER_OUT_OF_BOUNDS";
  UnhandledError: Error = "ERR_UNHANDLED_ERROR";
  Assertion: Error = "ERR_ASSERTION";
  // URLs and modules.
  InvalidUrl: TypeError = "ERR_INVALID_URL";
  InvalidUrlScheme: TypeError = "ERR_INVALID_URL_SCHEME";
  InvalidFileUrlHost: TypeError = "ERR_INVALID_FILE_URL_HOST";
  InvalidFileUrlPath: TypeError = "ERR_INVALID_FILE_URL_PATH";
  ModuleNotFound: Error = "MODULE_NOT_FOUND";
  UnknownBuiltinModule: Error = "ERR_UNKNOWN_BUILTIN_MODULE";
  RequireAsyncModule: TypeError = "ERR_REQUIRE_ASYNC_MODULE";
  // Streams and sockets.
  StreamWriteAfterEnd: Error = "ERR_STREAM_WRITE_AFTER_END";
  StreamDestroyed: Error = "ERR_STREAM_DESTROYED";
  SocketBadPort: RangeError = "ERR_SOCKET_BAD_PORT";
  SocketClosed: Error = "ERR_SOCKET_CLOSED";
  ServerNotRunning: Error = "ERR_SERVER_NOT_RUNNING";
  // node:crypto and Bun's hashing.
  CryptoInvalidDigest: Error = "ERR_CRYPTO_INVALID_DIGEST";
  CryptoHashFinalized: Error = "ERR_CRYPTO_HASH_FINALIZED";
  CryptoTimingSafeEqualLength: RangeError =
    "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH";
  PasswordUnsupportedAlgorithm: Error = "PASSWORD_UNSUPPORTED_ALGORITHM";
  PasswordInvalidEncoding: Error = "PASSWORD_INVALID_ENCODING";
  PasswordHashFailed: Error = "PASSWORD_HASH_FAILED";
  /// `Bun.gunzipSync` and friends on data that is not what they decode.
  Decompress: Error = "ERR_DECOMPRESS";
  // Bun.serve.
  /// A request body past `maxRequestBodySize` (the client got a 413).
  BodyTooLarge: RangeError = "ERR_BODY_TOO_LARGE";
  /// The client went away while its request body was being read.
  BodyReadReset: TypeError = "ECONNRESET";
  /// A `tls` option that cannot be used.
  TlsOption: TypeError = "ERR_INVALID_ARG_VALUE";
  /// A header name or value HTTP cannot carry.
  InvalidHttpToken: TypeError = "ERR_INVALID_HTTP_TOKEN";
  /// `server.upgrade()` on a server without a `websocket` handler (Bun's
  /// code for it).
  NoWebSocketHandler: TypeError = "ERR_INVALID_ARG_TYPE";
  // fetch (Bun rejects with TypeErrors carrying these codes).
  FetchAborted: TypeError = "ABORT_ERR";
  FetchConnectionRefused: TypeError = "ConnectionRefused";
  FetchNotFound: TypeError = "ENOTFOUND";
  FetchReset: TypeError = "ECONNRESET";
  FetchUnexpectedRedirect: TypeError = "UnexpectedRedirect";
  FetchTooManyRedirects: TypeError = "TooManyRedirects";
  FetchUnsupportedRedirectProtocol: TypeError = "UnsupportedRedirectProtocol";
  FetchRedirectUrlInvalid: TypeError = "RedirectURLInvalid";
  FetchStreamRedirect: TypeError = "ERR_STREAM_REDIRECT";
  FetchInvalidUrl: TypeError = "ERR_INVALID_URL";
  FetchMalformedResponse: TypeError = "Malformed_HTTP_Response";
  FetchFailed: TypeError = "ERR_FETCH";
  // TLS certificate failures, by OpenSSL's names (fetch's TypeErrors).
  TlsHandshake: TypeError = "ERR_TLS_HANDSHAKE";
  CertAltnameInvalid: TypeError = "ERR_TLS_CERT_ALTNAME_INVALID";
  DepthZeroSelfSignedCert: TypeError = "DEPTH_ZERO_SELF_SIGNED_CERT";
  SelfSignedCertInChain: TypeError = "SELF_SIGNED_CERT_IN_CHAIN";
  UnableToVerifyLeafSignature: TypeError = "UNABLE_TO_VERIFY_LEAF_SIGNATURE";
  UnableToGetIssuerCertLocally: TypeError =
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY";
  CertHasExpired: TypeError = "CERT_HAS_EXPIRED";
  CertNotYetValid: TypeError = "CERT_NOT_YET_VALID";
  CertRevoked: TypeError = "CERT_REVOKED";
  CertSignatureFailure: TypeError = "CERT_SIGNATURE_FAILURE";
  // Bun.redis.
  RedisInvalidArgument: Error = "ERR_INVALID_ARG_VALUE";
  RedisConnectionClosed: RedisError = "ERR_REDIS_CONNECTION_CLOSED";
  RedisServerError: RedisError = "ERR_REDIS_SERVER_ERROR";
  // System errors (Node's SystemError shape: `code`, `errno`, `syscall`).
  /// A host name that does not resolve (`getaddrinfo`).
  NotFound: Error = "ENOTFOUND";
  /// `fs.rm` of a directory without `recursive`.
  FsEisdir: Error = "ERR_FS_EISDIR";
  Enoent: Error = "ENOENT";
  Eexist: Error = "EEXIST";
  Enotdir: Error = "ENOTDIR";
  Eisdir: Error = "EISDIR";
  Eacces: Error = "EACCES";
  Eperm: Error = "EPERM";
  Enotempty: Error = "ENOTEMPTY";
  Emfile: Error = "EMFILE";
  Einval: Error = "EINVAL";
  Eio: Error = "EIO";
  Econnrefused: Error = "ECONNREFUSED";
  Econnreset: Error = "ECONNRESET";
  Econnaborted: Error = "ECONNABORTED";
  Eaddrinuse: Error = "EADDRINUSE";
  Eaddrnotavail: Error = "EADDRNOTAVAIL";
  Epipe: Error = "EPIPE";
  Etimedout: Error = "ETIMEDOUT";
  Enotconn: Error = "ENOTCONN";
  Ehostunreach: Error = "EHOSTUNREACH";
  Enetunreach: Error = "ENETUNREACH";
}

/// The system errors rt names: errno, row, and Node's description of it.
const ERRNO: &[(i32, Code, &str)] = &[
  (libc::ENOENT, Code::Enoent, "no such file or directory"),
  (libc::EEXIST, Code::Eexist, "file already exists"),
  (libc::ENOTDIR, Code::Enotdir, "not a directory"),
  (
    libc::EISDIR,
    Code::Eisdir,
    "illegal operation on a directory",
  ),
  (libc::EACCES, Code::Eacces, "permission denied"),
  (libc::EPERM, Code::Eperm, "operation not permitted"),
  (libc::ENOTEMPTY, Code::Enotempty, "directory not empty"),
  (libc::EMFILE, Code::Emfile, "too many open files"),
  (libc::EINVAL, Code::Einval, "invalid argument"),
  (libc::EIO, Code::Eio, "i/o error"),
  (libc::ECONNREFUSED, Code::Econnrefused, "connection refused"),
  (
    libc::ECONNRESET,
    Code::Econnreset,
    "connection reset by peer",
  ),
  (
    libc::ECONNABORTED,
    Code::Econnaborted,
    "software caused connection abort",
  ),
  (libc::EADDRINUSE, Code::Eaddrinuse, "address already in use"),
  (
    libc::EADDRNOTAVAIL,
    Code::Eaddrnotavail,
    "address not available",
  ),
  (libc::EPIPE, Code::Epipe, "broken pipe"),
  (libc::ETIMEDOUT, Code::Etimedout, "connection timed out"),
  (libc::ENOTCONN, Code::Enotconn, "socket is not connected"),
  (
    libc::EHOSTUNREACH,
    Code::Ehostunreach,
    "host is unreachable",
  ),
  (
    libc::ENETUNREACH,
    Code::Enetunreach,
    "network is unreachable",
  ),
];

/// A system error as Node reports it: the row for its errno (`EIO` for
/// one rt does not name), the negative errno, and Node's description
/// (`None` for an errno rt does not name: say what the OS said).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SystemCode {
  /// The row (`Code::Enoent`, ...).
  pub code: Code,
  /// Node's `errno`: the negated OS error number.
  pub errno: i32,
  /// Node's words for it (`no such file or directory`).
  pub description: Option<&'static str>,
}

impl SystemCode {
  /// The system error behind an I/O error (`EIO` when it has no errno).
  pub fn of(error: &std::io::Error) -> Self {
    let errno = error.raw_os_error().unwrap_or(libc::EIO);
    match ERRNO.iter().find(|(n, ..)| *n == errno) {
      Some((_, code, description)) => Self {
        code: *code,
        errno: -errno,
        description: Some(description),
      },
      None => Self {
        code: Code::Eio,
        errno: -errno,
        description: None,
      },
    }
  }
}

/// An error whose JS class and `.code` come from the table.
pub trait Coded: std::error::Error + Send + Sync + 'static {
  /// The row this error is.
  fn code(&self) -> Code;

  /// Properties beyond `code` (Node's `errno`, `syscall`, `path`).
  fn properties(&self) -> Vec<(Cow<'static, str>, PropertyValue)> {
    Vec::new()
  }
}

/// An error that is a table row and a message, nothing more.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct CodedError {
  /// The row.
  pub code: Code,
  /// What JS sees as `message`.
  pub message: String,
}

impl CodedError {
  /// Row `code` with `message`.
  pub fn new(code: Code, message: impl Into<String>) -> Self {
    Self {
      code,
      message: message.into(),
    }
  }
}

impl Coded for CodedError {
  fn code(&self) -> Code {
    self.code
  }
}

crate::coded_error!(CodedError);

/// Implements `deno_error::JsErrorClass` for [`Coded`] types: the class
/// and `.code` from the table, the message from `Display`.
#[macro_export]
macro_rules! coded_error {
  ($($ty:ty),+ $(,)?) => {$(
    impl ::deno_error::JsErrorClass for $ty {
      fn get_class(&self) -> ::std::borrow::Cow<'static, str> {
        ::std::borrow::Cow::Borrowed($crate::errors::Coded::code(self).class())
      }

      fn get_message(&self) -> ::std::borrow::Cow<'static, str> {
        ::std::borrow::Cow::Owned(self.to_string())
      }

      fn get_additional_properties(&self) -> ::deno_error::AdditionalProperties {
        let code = $crate::errors::Coded::code(self).as_str();
        let mut properties = $crate::errors::Coded::properties(self);
        properties.insert(
          0,
          (
            ::std::borrow::Cow::Borrowed("code"),
            ::deno_error::PropertyValue::String(::std::borrow::Cow::Borrowed(code)),
          ),
        );
        Box::new(properties.into_iter())
      }

      fn get_ref(&self) -> &(dyn ::std::error::Error + Send + Sync + 'static) {
        self
      }
    }
  )+};
}

/// The table for JS: `[name, class, code]` per row, in table order. Read
/// once, while the startup snapshot is made (`ext/web/01_errors.js`).
#[deno_core::op2]
#[serde]
pub(crate) fn op_rt_error_codes()
-> Vec<(&'static str, &'static str, &'static str)> {
  Code::ALL
    .iter()
    .map(|code| (code.name(), code.class(), code.as_str()))
    .collect()
}

/// One property of [`Coded::properties`].
pub fn property(
  name: &'static str,
  value: impl Into<PropertyValue>,
) -> (Cow<'static, str>, PropertyValue) {
  (Cow::Borrowed(name), value.into())
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn names_are_unique_and_classes_are_known() {
    let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.name()).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "duplicate row names");
    for code in Code::ALL {
      assert!(
        matches!(
          code.class(),
          "Error" | "TypeError" | "RangeError" | "RedisError"
        ),
        "{code:?}: unexpected class {}",
        code.class()
      );
    }
  }

  #[test]
  fn system_codes_come_from_errno() {
    let missing = std::io::Error::from_raw_os_error(libc::ENOENT);
    let code = SystemCode::of(&missing);
    assert_eq!(code.code, Code::Enoent);
    assert_eq!(code.errno, -libc::ENOENT);
    assert_eq!(code.description, Some("no such file or directory"));
    let odd = std::io::Error::from_raw_os_error(libc::ENOSPC);
    assert_eq!(SystemCode::of(&odd).code, Code::Eio);
    assert_eq!(SystemCode::of(&odd).description, None);
  }
}
