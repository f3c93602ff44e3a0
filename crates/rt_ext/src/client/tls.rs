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

fn roots(options: &TlsOptions) -> Result<RootCertStore, FetchError> {
  let mut roots = RootCertStore::empty();
  if !options.ca.is_empty() {
    // Bun: a given `ca` replaces the built-in bundle.
    for pem in &options.ca {
      for cert in pem_certs(pem.as_bytes(), "tls.ca")? {
        roots.add(cert).map_err(|e| tls_error("tls.ca", e))?;
      }
    }
    return Ok(roots);
  }
  roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
  for var in ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"] {
    let Some(path) = std::env::var_os(var) else {
      continue;
    };
    let pem = std::fs::read(&path).map_err(|e| tls_error(var, e))?;
    for cert in pem_certs(&pem, var)? {
      roots.add(cert).map_err(|e| tls_error(var, e))?;
    }
  }
  Ok(roots)
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
  } else if options.check_server_identity {
    let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
      Arc::new(roots(options)?),
      provider,
    )
    .build()
    .map_err(|e| tls_error("roots", e))?;
    builder
      .dangerous()
      .with_custom_certificate_verifier(Arc::new(NameDeferred(webpki)))
  } else {
    builder.with_root_certificates(roots(options)?)
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

/// `checkServerIdentity`: the chain as usual, the name left to the script.
#[derive(Debug)]
struct NameDeferred(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for NameDeferred {
  fn verify_server_cert(
    &self,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    server_name: &ServerName<'_>,
    ocsp: &[u8],
    now: UnixTime,
  ) -> Result<ServerCertVerified, rustls::Error> {
    // webpki checks the chain before the name, so a name error means the
    // chain itself was trusted.
    match self.0.verify_server_cert(
      end_entity,
      intermediates,
      server_name,
      ocsp,
      now,
    ) {
      Err(rustls::Error::InvalidCertificate(
        rustls::CertificateError::NotValidForName
        | rustls::CertificateError::NotValidForNameContext { .. },
      )) => Ok(ServerCertVerified::assertion()),
      other => other,
    }
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
