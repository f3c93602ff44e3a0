//! The TLS configuration for `fetch`: rustls with the Mozilla roots plus the
//! PEM files named by `SSL_CERT_FILE` and `NODE_EXTRA_CA_CERTS`, or Bun's
//! per-request `tls: { ca, cert, key, rejectUnauthorized, serverName,
//! checkServerIdentity }`.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::DigitallySignedStruct;
use rustls::RootCertStore;
use rustls::SignatureScheme;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::client::danger::ServerCertVerified;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::ServerName;
use rustls_pki_types::UnixTime;
use rustls_pki_types::pem::PemObject as _;
use serde::Deserialize;

use super::FetchError;

/// Bun's `tls` fetch option.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsOptions {
  /// `false` accepts any certificate (for development only).
  pub reject_unauthorized: Option<bool>,
  /// PEM certificates to trust instead of the built-in roots.
  pub ca: Vec<String>,
  /// A client certificate chain (PEM), with `key`.
  pub cert: Option<String>,
  /// The client certificate's private key (PEM).
  pub key: Option<String>,
  /// SNI and verification name instead of the URL's host.
  pub server_name: Option<String>,
  /// The script checks the host name itself (`checkServerIdentity`): rustls
  /// verifies the chain but leaves the name to the script.
  pub check_server_identity: bool,
}

fn tls_error(what: &str, e: impl std::fmt::Display) -> FetchError {
  FetchError::Tls(format!("{what}: {e}"))
}

fn pem_certs(
  pem: &[u8],
  what: &str,
) -> Result<Vec<CertificateDer<'static>>, FetchError> {
  CertificateDer::pem_slice_iter(pem)
    .collect::<Result<Vec<_>, _>>()
    .map_err(|e| tls_error(what, e))
}

/// The trust anchors, and the certificates the script listed in `tls.ca`
/// (a presented certificate equal to one of those is trusted as itself).
fn roots(
  options: &TlsOptions,
) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), FetchError> {
  let mut roots = RootCertStore::empty();
  if !options.ca.is_empty() {
    // Bun: a given `ca` replaces the built-in bundle.
    let mut trusted = Vec::new();
    for pem in &options.ca {
      for cert in pem_certs(pem.as_bytes(), "tls.ca")? {
        roots
          .add(cert.clone())
          .map_err(|e| tls_error("tls.ca", e))?;
        trusted.push(cert);
      }
    }
    return Ok((roots, trusted));
  }
  roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
  let mut trusted = Vec::new();
  for var in ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"] {
    let Some(path) = std::env::var_os(var) else {
      continue;
    };
    let pem = std::fs::read(&path).map_err(|e| tls_error(var, e))?;
    for cert in pem_certs(&pem, var)? {
      roots.add(cert.clone()).map_err(|e| tls_error(var, e))?;
      trusted.push(cert);
    }
  }
  Ok((roots, trusted))
}

/// The client config for these options.
pub fn client_config(options: &TlsOptions) -> Result<ClientConfig, FetchError> {
  let provider = Arc::new(rustls::crypto::ring::default_provider());
  let builder = ClientConfig::builder_with_provider(provider.clone())
    .with_safe_default_protocol_versions()
    .map_err(|e| tls_error("protocol versions", e))?;
  let builder = if options.reject_unauthorized == Some(false) {
    builder
      .dangerous()
      .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
  } else {
    let (roots, trusted) = roots(options)?;
    let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
      Arc::new(roots),
      provider,
    )
    .build()
    .map_err(|e| tls_error("roots", e))?;
    builder
      .dangerous()
      .with_custom_certificate_verifier(Arc::new(Verifier {
        webpki,
        trusted,
        defer_name: options.check_server_identity,
      }))
  };
  match (&options.cert, &options.key) {
    (Some(cert), Some(key)) => {
      let chain = pem_certs(cert.as_bytes(), "tls.cert")?;
      let key = PrivateKeyDer::from_pem_slice(key.as_bytes())
        .map_err(|e| tls_error("tls.key", e))?;
      builder
        .with_client_auth_cert(chain, key)
        .map_err(|e| tls_error("tls.cert", e))
    }
    (None, None) => Ok(builder.with_no_client_auth()),
    _ => Err(FetchError::Tls("tls.cert and tls.key go together".into())),
  }
}

/// `rejectUnauthorized: false`: any certificate, but handshake signatures
/// are still checked (the connection is encrypted, just not authenticated).
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
  fn verify_server_cert(
    &self,
    _end_entity: &CertificateDer<'_>,
    _intermediates: &[CertificateDer<'_>],
    _server_name: &ServerName<'_>,
    _ocsp: &[u8],
    _now: UnixTime,
  ) -> Result<ServerCertVerified, rustls::Error> {
    Ok(ServerCertVerified::assertion())
  }

  fn verify_tls12_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    rustls::crypto::verify_tls12_signature(
      message,
      cert,
      dss,
      &self.0.signature_verification_algorithms,
    )
  }

  fn verify_tls13_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    rustls::crypto::verify_tls13_signature(
      message,
      cert,
      dss,
      &self.0.signature_verification_algorithms,
    )
  }

  fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
    self.0.signature_verification_algorithms.supported_schemes()
  }
}

/// webpki's verdict, then two things it cannot do:
/// - accept a presented certificate that is byte-for-byte one the script
///   listed in `tls.ca`, even when it is a CA (what `openssl req -x509`
///   makes, and what Bun and Node accept); its name and validity are still
///   checked;
/// - name failures the way Bun does (`DEPTH_ZERO_SELF_SIGNED_CERT`, ...),
///   carried as a [`CertRejected`] inside the rustls error.
///
/// With `checkServerIdentity` the name is left to the script.
#[derive(Debug)]
struct Verifier {
  webpki: Arc<rustls::client::WebPkiServerVerifier>,
  trusted: Vec<CertificateDer<'static>>,
  defer_name: bool,
}

/// OpenSSL's codes for certificate failures (what Bun puts on `.code`),
/// with OpenSSL's words for them.
const CERT_CODES: &[(&str, &str)] = &[
  ("DEPTH_ZERO_SELF_SIGNED_CERT", "self signed certificate"),
  (
    "SELF_SIGNED_CERT_IN_CHAIN",
    "self signed certificate in certificate chain",
  ),
  (
    "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    "unable to verify the first certificate",
  ),
  (
    "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "unable to get local issuer certificate",
  ),
  ("CERT_HAS_EXPIRED", "certificate has expired"),
  ("CERT_NOT_YET_VALID", "certificate is not yet valid"),
  (
    "ERR_TLS_CERT_ALTNAME_INVALID",
    "Hostname/IP does not match certificate's altnames",
  ),
  ("CERT_REVOKED", "certificate revoked"),
  ("CERT_SIGNATURE_FAILURE", "certificate signature failure"),
];

/// A certificate failure with Bun's (OpenSSL's) code for it.
#[derive(Debug, thiserror::Error)]
#[error("{} [{code}]", cert_message(code))]
pub struct CertRejected {
  /// `CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ...
  pub code: &'static str,
}

fn cert_message(code: &str) -> &'static str {
  CERT_CODES
    .iter()
    .find(|(c, _)| *c == code)
    .map_or("certificate rejected", |(_, m)| m)
}

/// The certificate code an error's text carries, if any (errors reach
/// fetch type-erased, as text).
pub fn cert_code_in(text: &str) -> Option<&'static str> {
  CERT_CODES
    .iter()
    .find(|(code, _)| {
      text.contains(&format!("[{code}]"))
        || text.contains(&format!("\"{code}\""))
    })
    .map(|(code, _)| *code)
}

impl Verifier {
  /// The certificate is one the script trusted by its exact bytes: check
  /// what webpki could not reach (a CA as the end entity stops it before
  /// names are looked at).
  fn pinned(
    &self,
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
  ) -> Option<Result<ServerCertVerified, rustls::Error>> {
    if !self
      .trusted
      .iter()
      .any(|c| c.as_ref() == end_entity.as_ref())
    {
      return None;
    }
    let (_, parsed) =
      x509_parser::parse_x509_certificate(end_entity.as_ref()).ok()?;
    let at = x509_parser::time::ASN1Time::from_timestamp(
      i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
    )
    .ok()?;
    let validity = parsed.validity();
    if at < validity.not_before {
      return Some(Err(rejected("CERT_NOT_YET_VALID")));
    }
    if at > validity.not_after {
      return Some(Err(rejected("CERT_HAS_EXPIRED")));
    }
    if !self.defer_name {
      let cert = webpki::EndEntityCert::try_from(end_entity).ok()?;
      if cert.verify_is_valid_for_subject_name(server_name).is_err() {
        return Some(Err(rejected("ERR_TLS_CERT_ALTNAME_INVALID")));
      }
    }
    Some(Ok(ServerCertVerified::assertion()))
  }
}

/// Whether a DER certificate is self-signed: it names itself as its issuer
/// and its own key verifies its signature (names alone can repeat: rcgen
/// gives a CA and its leaves the same default name).
fn self_signed(der: &[u8]) -> bool {
  x509_parser::parse_x509_certificate(der).is_ok_and(|(_, c)| {
    c.subject().as_raw() == c.issuer().as_raw()
      && c.verify_signature(None).is_ok()
  })
}

fn rejected(code: &'static str) -> rustls::Error {
  rustls::Error::InvalidCertificate(rustls::CertificateError::Other(
    rustls::OtherError(Arc::new(CertRejected { code })),
  ))
}

impl ServerCertVerifier for Verifier {
  fn verify_server_cert(
    &self,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    ocsp: &[u8],
    now: UnixTime,
  ) -> Result<ServerCertVerified, rustls::Error> {
    use rustls::CertificateError as E;
    let error = match self.webpki.verify_server_cert(
      end_entity,
      intermediates,
      server_name,
      ocsp,
      now,
    ) {
      Ok(verified) => return Ok(verified),
      Err(rustls::Error::InvalidCertificate(error)) => error,
      Err(other) => return Err(other),
    };
    let ca_as_leaf = matches!(&error, E::Other(other)
      if matches!(other.0.downcast_ref(), Some(webpki::Error::CaUsedAsEndEntity)));
    // No trusted issuer: unknown, or a CA presented as the server itself.
    let untrusted = ca_as_leaf || matches!(error, E::UnknownIssuer);
    if untrusted
      && let Some(verdict) = self.pinned(end_entity, server_name, now)
    {
      return verdict;
    }
    // OpenSSL's names for what went wrong, as Bun reports them.
    let code = match &error {
      // webpki checks the chain before the name, so a name error means
      // the chain itself was trusted.
      E::NotValidForName | E::NotValidForNameContext { .. }
        if self.defer_name =>
      {
        return Ok(ServerCertVerified::assertion());
      }
      E::NotValidForName | E::NotValidForNameContext { .. } => {
        "ERR_TLS_CERT_ALTNAME_INVALID"
      }
      E::Expired | E::ExpiredContext { .. } => "CERT_HAS_EXPIRED",
      E::NotValidYet | E::NotValidYetContext { .. } => "CERT_NOT_YET_VALID",
      E::Revoked => "CERT_REVOKED",
      E::BadSignature => "CERT_SIGNATURE_FAILURE",
      _ if untrusted && intermediates.is_empty() && self_signed(end_entity) => {
        "DEPTH_ZERO_SELF_SIGNED_CERT"
      }
      _ if untrusted
        && intermediates.last().is_some_and(|c| self_signed(c)) =>
      {
        "SELF_SIGNED_CERT_IN_CHAIN"
      }
      _ if untrusted && intermediates.is_empty() => {
        "UNABLE_TO_VERIFY_LEAF_SIGNATURE"
      }
      _ if untrusted => "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
      _ => return Err(rustls::Error::InvalidCertificate(error)),
    };
    Err(rejected(code))
  }

  fn verify_tls12_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    self.webpki.verify_tls12_signature(message, cert, dss)
  }

  fn verify_tls13_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    self.webpki.verify_tls13_signature(message, cert, dss)
  }

  fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
    self.webpki.supported_verify_schemes()
  }
}
