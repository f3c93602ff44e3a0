//! `Bun.serve({ tls })`: certificates and keys from PEM, picked per
//! connection by the name the client asks for (SNI), with the first entry
//! as the default for clients that send no name (`curl https://127.0.0.1`).
//!
//! rustls's own `ResolvesServerCertUsingSni` has no default entry and no
//! wildcards, so rt resolves names itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls::server::ClientHello;
use rustls::server::ResolvesServerCert;
use rustls::server::danger::ClientCertVerifier;
use rustls::sign::CertifiedKey;
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::UnixTime;
use rustls_pki_types::pem::PemObject as _;
use serde::Deserialize;

use super::types::ClientCertificate;
use crate::errors::Code;
use crate::errors::Coded;
use crate::verify::AnyClientCert;
use crate::verify::client_verifier;
use crate::verify::pem_certs;

/// How long a client may take to finish its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// One entry of Bun's `tls` option, its PEM inputs already joined.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsEntry {
  /// PEM private key (PKCS#8, PKCS#1 or SEC1).
  pub key: String,
  /// PEM certificate chain, leaf first.
  pub cert: String,
  /// The host name this entry answers for (required after the first).
  pub server_name: Option<String>,
  /// Passphrase of an encrypted key.
  pub passphrase: Option<String>,
  /// Bun's older path options, read when `key`/`cert` are empty.
  pub key_file: Option<String>,
  /// See `key_file`.
  pub cert_file: Option<String>,
}

/// Bun's `tls` option as JS hands it over: the certificate entries, and
/// client certificates (mTLS) as the first entry asks for them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsOptions {
  /// Certificates by name; the first is the default.
  pub entries: Vec<TlsEntry>,
  /// Ask clients for a certificate.
  pub request_cert: bool,
  /// With `request_cert`: refuse a client without a valid certificate
  /// (Bun's default); `false` lets it in, marked not authorized.
  pub reject_unauthorized: bool,
  /// PEM CAs client certificates must chain to (Mozilla's roots if empty).
  pub ca: String,
}

/// A server's TLS: the rustls configuration new handshakes use, and how a
/// client certificate is judged when it is not required to be valid.
#[derive(Debug)]
pub struct TlsSetup {
  /// What `TlsAcceptor` uses (swapped whole by `server.reload({ tls })`).
  pub config: Arc<ServerConfig>,
  /// `requestCert` with `rejectUnauthorized: false`: the handshake takes
  /// any certificate; this tells whether it was a valid one.
  lenient: Option<Arc<dyn ClientCertVerifier>>,
}

impl TlsSetup {
  /// The client's certificate on an accepted connection, if it sent one.
  pub fn client_certificate(
    &self,
    conn: &rustls::ServerConnection,
  ) -> Option<ClientCertificate> {
    let chain = conn.peer_certificates()?;
    let (leaf, intermediates) = chain.split_first()?;
    // Without a lenient verifier the handshake itself verified the chain.
    let authorized = self.lenient.as_ref().is_none_or(|check| {
      check
        .verify_client_cert(leaf, intermediates, UnixTime::now())
        .is_ok()
    });
    Some(ClientCertificate {
      der: leaf.to_vec(),
      authorized,
    })
  }
}

/// Why a `tls` option cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
  /// `tls` was given without any entry carrying a key and certificate.
  #[error("Bun.serve: tls needs a key and a cert")]
  Empty,
  /// One of `key`/`cert` is missing from an entry.
  #[error("Bun.serve: tls{at} has a {present} but no {missing}")]
  Half {
    at: String,
    present: &'static str,
    missing: &'static str,
  },
  /// A PEM input holds nothing usable.
  #[error("Bun.serve: tls{at}.{field}: {reason}")]
  Pem {
    at: String,
    field: &'static str,
    reason: String,
  },
  /// The key does not belong to the leaf certificate.
  #[error("Bun.serve: tls{at}: the key does not match the certificate")]
  Mismatch { at: String },
  /// An SNI entry after the first has no `serverName`.
  #[error("SNI tls object must have a serverName")]
  NoServerName,
  /// `keyFile`/`certFile` could not be read.
  #[error("Bun.serve: tls{at}.{field}: cannot read '{path}': {source}")]
  File {
    at: String,
    field: &'static str,
    path: String,
    #[source]
    source: std::io::Error,
  },
  /// `ca` for client certificates cannot be used.
  #[error("Bun.serve: tls.ca: {0}")]
  Ca(String),
  /// The key type is not one rustls can sign with.
  #[error("Bun.serve: tls{at}.key: {reason}")]
  Key { at: String, reason: String },
}

impl Coded for TlsError {
  fn code(&self) -> Code {
    Code::TlsOption
  }
}

crate::coded_error!(TlsError);

/// Where an entry sits, for messages: `` (single object) or `[1]`.
fn position(index: usize, many: bool) -> String {
  if many {
    format!("[{index}]")
  } else {
    String::new()
  }
}

/// Builds the server's TLS configuration from Bun's `tls` option; ALPN
/// offers `h2` before `http/1.1` when `http2` is on.
pub fn server_config(
  options: &TlsOptions,
  http2: bool,
) -> Result<TlsSetup, TlsError> {
  let provider = Arc::new(rustls::crypto::ring::default_provider());
  let entries = &options.entries;
  let many = entries.len() > 1;
  let mut resolver = SniResolver::default();
  for (index, entry) in entries.iter().enumerate() {
    let at = position(index, many);
    let key =
      pem_or_file(&entry.key, entry.key_file.as_deref(), &at, "keyFile")?;
    let cert =
      pem_or_file(&entry.cert, entry.cert_file.as_deref(), &at, "certFile")?;
    let (key_empty, cert_empty) =
      (key.trim().is_empty(), cert.trim().is_empty());
    match (key_empty, cert_empty) {
      // Bun skips empty entries (the first non-empty one is the default).
      (true, true) => continue,
      (false, true) => {
        return Err(TlsError::Half {
          at,
          present: "key",
          missing: "cert",
        });
      }
      (true, false) => {
        return Err(TlsError::Half {
          at,
          present: "cert",
          missing: "key",
        });
      }
      (false, false) => {}
    }
    let certified = Arc::new(certified_key(
      &key,
      &cert,
      entry.passphrase.as_deref(),
      &at,
      &provider,
    )?);
    let name = entry
      .server_name
      .as_deref()
      .map(str::trim)
      .filter(|n| !n.is_empty())
      .map(str::to_ascii_lowercase);
    match (&resolver.default, name) {
      (None, name) => {
        resolver.default = Some(certified.clone());
        if let Some(name) = name {
          resolver.by_name.insert(name, certified);
        }
      }
      (Some(_), Some(name)) => {
        resolver.by_name.insert(name, certified);
      }
      (Some(_), None) => return Err(TlsError::NoServerName),
    }
  }
  if resolver.default.is_none() {
    return Err(TlsError::Empty);
  }
  let builder = ServerConfig::builder_with_provider(provider.clone())
    .with_safe_default_protocol_versions()
    .map_err(|e| TlsError::Key {
      at: String::new(),
      reason: e.to_string(),
    })?;
  let (builder, lenient) = if options.request_cert {
    let verifier =
      client_verifier(&options.ca, provider).map_err(TlsError::Ca)?;
    if options.reject_unauthorized {
      (builder.with_client_cert_verifier(verifier), None)
    } else {
      let lenient = Arc::new(AnyClientCert(verifier.clone()));
      (builder.with_client_cert_verifier(lenient), Some(verifier))
    }
  } else {
    (builder.with_no_client_auth(), None)
  };
  let mut config = builder.with_cert_resolver(Arc::new(resolver));
  config.alpn_protocols = if http2 {
    vec![b"h2".to_vec(), b"http/1.1".to_vec()]
  } else {
    vec![b"http/1.1".to_vec()]
  };
  Ok(TlsSetup {
    config: Arc::new(config),
    lenient,
  })
}

/// The PEM text given inline, else the file named by the path option.
fn pem_or_file(
  pem: &str,
  path: Option<&str>,
  at: &str,
  field: &'static str,
) -> Result<String, TlsError> {
  match path {
    Some(path) if pem.trim().is_empty() => std::fs::read_to_string(path)
      .map_err(|source| TlsError::File {
        at: at.to_string(),
        field,
        path: path.to_string(),
        source,
      }),
    _ => Ok(pem.to_string()),
  }
}

/// One certificate chain with its key, both PEM; `passphrase` opens an
/// encrypted PKCS#8 key.
fn certified_key(
  key: &str,
  cert: &str,
  passphrase: Option<&str>,
  at: &str,
  provider: &rustls::crypto::CryptoProvider,
) -> Result<CertifiedKey, TlsError> {
  let pem_error = |field: &'static str, reason: String| TlsError::Pem {
    at: at.to_string(),
    field,
    reason,
  };
  let chain =
    pem_certs(cert.as_bytes()).map_err(|e| pem_error("cert", e.to_string()))?;
  if chain.is_empty() {
    return Err(pem_error("cert", "no PEM certificate found".into()));
  }
  if key.contains("Proc-Type: 4,ENCRYPTED") {
    return Err(pem_error(
      "key",
      "legacy encrypted PEM keys (Proc-Type: 4,ENCRYPTED) are not supported; convert it with `openssl pkcs8 -topk8`".into(),
    ));
  }
  let key = if key.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
    let Some(passphrase) = passphrase else {
      return Err(pem_error(
        "key",
        "the key is encrypted and no passphrase was given".into(),
      ));
    };
    decrypt_pkcs8(key, passphrase).map_err(|reason| pem_error("key", reason))?
  } else {
    PrivateKeyDer::from_pem_slice(key.as_bytes()).map_err(|e| {
      pem_error("key", format!("no PEM private key found ({e})"))
    })?
  };
  CertifiedKey::from_der(chain, key, provider).map_err(|e| match e {
    rustls::Error::InconsistentKeys(_) => {
      TlsError::Mismatch { at: at.to_string() }
    }
    other => TlsError::Key {
      at: at.to_string(),
      reason: other.to_string(),
    },
  })
}

/// Opens an `ENCRYPTED PRIVATE KEY` (PKCS#8 with PBES2: PBKDF2 or scrypt,
/// AES-CBC; what `openssl pkcs8 -topk8` and `openssl genpkey -aes256` make).
fn decrypt_pkcs8(
  pem: &str,
  passphrase: &str,
) -> Result<PrivateKeyDer<'static>, String> {
  use pkcs8::der::Decode as _;
  // The key may share its text with other PEM blocks (a chain, params).
  const END: &str = "-----END ENCRYPTED PRIVATE KEY-----";
  let block = pem
    .find("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    .and_then(|start| {
      pem[start..]
        .find(END)
        .map(|end| &pem[start..start + end + END.len()])
    })
    .ok_or("the ENCRYPTED PRIVATE KEY block has no end line")?;
  let (label, der) = pkcs8::der::pem::decode_vec(block.as_bytes())
    .map_err(|e| format!("the encrypted key is not valid PEM ({e})"))?;
  if label != "ENCRYPTED PRIVATE KEY" {
    return Err(format!("expected an ENCRYPTED PRIVATE KEY, found {label}"));
  }
  let info = pkcs8::EncryptedPrivateKeyInfo::from_der(&der)
    .map_err(|e| format!("the encrypted key cannot be read ({e})"))?;
  let plain = info
    .decrypt(passphrase)
    .map_err(|e| format!("the passphrase does not open the key ({e})"))?;
  Ok(PrivateKeyDer::Pkcs8(plain.as_bytes().to_vec().into()))
}

/// Picks the certificate for the name the client asked for: an exact name,
/// then a `*.` wildcard one label up, then the default (first) entry.
#[derive(Debug, Default)]
struct SniResolver {
  default: Option<Arc<CertifiedKey>>,
  by_name: HashMap<String, Arc<CertifiedKey>>,
}

impl SniResolver {
  fn lookup(&self, name: Option<&str>) -> Option<Arc<CertifiedKey>> {
    if let Some(name) = name {
      let name = name.to_ascii_lowercase();
      if let Some(found) = self.by_name.get(&name) {
        return Some(found.clone());
      }
      if let Some((_, parent)) = name.split_once('.')
        && let Some(found) = self.by_name.get(&format!("*.{parent}"))
      {
        return Some(found.clone());
      }
    }
    self.default.clone()
  }
}

impl ResolvesServerCert for SniResolver {
  fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
    self.lookup(hello.server_name())
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn empty_entries_are_skipped_and_none_left_is_an_error() {
    let options = TlsOptions {
      entries: vec![TlsEntry::default(), TlsEntry::default()],
      ..TlsOptions::default()
    };
    assert!(matches!(
      server_config(&options, true),
      Err(TlsError::Empty)
    ));
  }

  #[test]
  fn half_entries_are_refused() {
    let options = TlsOptions {
      entries: vec![TlsEntry {
        key: "x".into(),
        ..TlsEntry::default()
      }],
      ..TlsOptions::default()
    };
    assert!(matches!(
      server_config(&options, true),
      Err(TlsError::Half {
        missing: "cert",
        ..
      })
    ));
  }
}
