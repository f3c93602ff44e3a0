//! The TLS configuration for `fetch`: rustls with the Mozilla roots plus the
//! PEM files named by `SSL_CERT_FILE` and `NODE_EXTRA_CA_CERTS`, or Bun's
//! per-request `tls: { ca, cert, key, rejectUnauthorized, serverName,
//! checkServerIdentity }`.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::PrivateKeyDer;
use rustls_pki_types::pem::PemObject as _;
use serde::Deserialize;

use super::FetchError;
use crate::verify;
use crate::verify::AcceptAny;
use crate::verify::Verifier;

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
  verify::pem_certs(pem).map_err(|e| tls_error(what, e))
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
