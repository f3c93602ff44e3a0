//! Certificate verification for both ends of rt's TLS, in one place.
//!
//! - fetch checks servers: webpki's verdict plus what Bun and Node accept
//!   beyond it (a certificate trusted by its exact bytes) and OpenSSL's
//!   names for failures ([`Verifier`]), or nothing but the handshake
//!   signatures under `rejectUnauthorized: false` ([`AcceptAny`]);
//! - `Bun.serve({ tls: { requestCert } })` checks clients against a `ca`
//!   ([`client_verifier`]), strictly or, with `rejectUnauthorized: false`,
//!   letting any certificate in and judging it afterwards
//!   ([`AnyClientCert`]).

use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::DistinguishedName;
use rustls::SignatureScheme;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::client::danger::ServerCertVerified;
use rustls::client::danger::ServerCertVerifier;
use rustls::crypto::CryptoProvider;
use rustls::server::WebPkiClientVerifier;
use rustls::server::danger::ClientCertVerified;
use rustls::server::danger::ClientCertVerifier;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::ServerName;
use rustls_pki_types::UnixTime;
use rustls_pki_types::pem::PemObject as _;

use crate::errors::Code;

/// The certificates in a PEM text, in order.
pub fn pem_certs(
  pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, rustls_pki_types::pem::Error> {
  CertificateDer::pem_slice_iter(pem).collect()
}

/// `rejectUnauthorized: false`: any certificate, but handshake signatures
/// are still checked (the connection is encrypted, just not authenticated).
#[derive(Debug)]
pub struct AcceptAny(pub Arc<CryptoProvider>);

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
pub struct Verifier {
  /// webpki's verifier over the trust anchors.
  pub webpki: Arc<rustls::client::WebPkiServerVerifier>,
  /// The certificates the script listed in `tls.ca`, trusted as themselves.
  pub trusted: Vec<CertificateDer<'static>>,
  /// `checkServerIdentity`: the script checks the name.
  pub defer_name: bool,
}

/// OpenSSL's words for the certificate failures rt names (their codes are
/// rows of the error table: what Bun puts on `.code`).
const CERT_FAILURES: &[(Code, &str)] = &[
  (Code::DepthZeroSelfSignedCert, "self signed certificate"),
  (
    Code::SelfSignedCertInChain,
    "self signed certificate in certificate chain",
  ),
  (
    Code::UnableToVerifyLeafSignature,
    "unable to verify the first certificate",
  ),
  (
    Code::UnableToGetIssuerCertLocally,
    "unable to get local issuer certificate",
  ),
  (Code::CertHasExpired, "certificate has expired"),
  (Code::CertNotYetValid, "certificate is not yet valid"),
  (
    Code::CertAltnameInvalid,
    "Hostname/IP does not match certificate's altnames",
  ),
  (Code::CertRevoked, "certificate revoked"),
  (Code::CertSignatureFailure, "certificate signature failure"),
];

/// A certificate failure with Bun's (OpenSSL's) code for it.
#[derive(thiserror::Error)]
#[error("{} [{}]", cert_message(*code), code.as_str())]
pub struct CertRejected {
  /// `CERT_HAS_EXPIRED`, `DEPTH_ZERO_SELF_SIGNED_CERT`, ...
  pub code: Code,
}

// rustls and hyper pass the error on as text, often its `Debug` form:
// that must carry the code as [`cert_code_in`] finds it.
impl std::fmt::Debug for CertRejected {
  fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
    f.debug_struct("CertRejected")
      .field("code", &self.code.as_str())
      .finish()
  }
}

fn cert_message(code: Code) -> &'static str {
  CERT_FAILURES
    .iter()
    .find(|(c, _)| *c == code)
    .map_or("certificate rejected", |(_, m)| m)
}

/// The certificate failure an error's text carries, if any (errors reach
/// fetch type-erased, as text).
pub fn cert_code_in(text: &str) -> Option<Code> {
  CERT_FAILURES.iter().map(|(code, _)| *code).find(|code| {
    let code = code.as_str();
    text.contains(&format!("[{code}]")) || text.contains(&format!("\"{code}\""))
  })
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
      return Some(Err(rejected(Code::CertNotYetValid)));
    }
    if at > validity.not_after {
      return Some(Err(rejected(Code::CertHasExpired)));
    }
    if !self.defer_name {
      let cert = webpki::EndEntityCert::try_from(end_entity).ok()?;
      if cert.verify_is_valid_for_subject_name(server_name).is_err() {
        return Some(Err(rejected(Code::CertAltnameInvalid)));
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

fn rejected(code: Code) -> rustls::Error {
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
        Code::CertAltnameInvalid
      }
      E::Expired | E::ExpiredContext { .. } => Code::CertHasExpired,
      E::NotValidYet | E::NotValidYetContext { .. } => Code::CertNotYetValid,
      E::Revoked => Code::CertRevoked,
      E::BadSignature => Code::CertSignatureFailure,
      _ if untrusted && intermediates.is_empty() && self_signed(end_entity) => {
        Code::DepthZeroSelfSignedCert
      }
      _ if untrusted
        && intermediates.last().is_some_and(|c| self_signed(c)) =>
      {
        Code::SelfSignedCertInChain
      }
      _ if untrusted && intermediates.is_empty() => {
        Code::UnableToVerifyLeafSignature
      }
      _ if untrusted => Code::UnableToGetIssuerCertLocally,
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

/// Checks client certificates against `ca` (PEM), else Mozilla's roots.
pub fn client_verifier(
  ca: &str,
  provider: Arc<CryptoProvider>,
) -> Result<Arc<dyn ClientCertVerifier>, String> {
  let mut roots = rustls::RootCertStore::empty();
  if ca.trim().is_empty() {
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
  } else {
    for cert in pem_certs(ca.as_bytes()).map_err(|e| e.to_string())? {
      roots.add(cert).map_err(|e| e.to_string())?;
    }
    if roots.is_empty() {
      return Err("no PEM certificate found".into());
    }
  }
  WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
    .build()
    .map_err(|e| e.to_string())
}

/// `requestCert` with `rejectUnauthorized: false`: asks for a certificate
/// and lets any (or none) through; the client must still prove it holds
/// the key of what it sent. Whether it was valid is asked afterwards.
#[derive(Debug)]
pub struct AnyClientCert(pub Arc<dyn ClientCertVerifier>);

impl ClientCertVerifier for AnyClientCert {
  fn client_auth_mandatory(&self) -> bool {
    false
  }

  fn root_hint_subjects(&self) -> &[DistinguishedName] {
    self.0.root_hint_subjects()
  }

  fn verify_client_cert(
    &self,
    _end_entity: &CertificateDer<'_>,
    _intermediates: &[CertificateDer<'_>],
    _now: UnixTime,
  ) -> Result<ClientCertVerified, rustls::Error> {
    Ok(ClientCertVerified::assertion())
  }

  fn verify_tls12_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    self.0.verify_tls12_signature(message, cert, dss)
  }

  fn verify_tls13_signature(
    &self,
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
  ) -> Result<HandshakeSignatureValid, rustls::Error> {
    self.0.verify_tls13_signature(message, cert, dss)
  }

  fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
    self.0.supported_verify_schemes()
  }
}
