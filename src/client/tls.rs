//! The TLS configuration for `fetch`: rustls with the Mozilla roots, plus
//! the PEM files named by `SSL_CERT_FILE` and `NODE_EXTRA_CA_CERTS`.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject as _;

use super::FetchError;

/// A client config for HTTP/1.1 and HTTP/2 (ALPN) with the trusted roots.
pub fn client_config() -> Result<ClientConfig, FetchError> {
  let mut roots = RootCertStore::empty();
  roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
  for var in ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS"] {
    let Some(path) = std::env::var_os(var) else {
      continue;
    };
    let certs = CertificateDer::pem_file_iter(&path)
      .map_err(|e| FetchError::Tls(format!("{var}: {e}")))?;
    for cert in certs {
      let cert = cert.map_err(|e| FetchError::Tls(format!("{var}: {e}")))?;
      roots
        .add(cert)
        .map_err(|e| FetchError::Tls(format!("{var}: {e}")))?;
    }
  }
  let provider = Arc::new(rustls::crypto::ring::default_provider());
  let config = ClientConfig::builder_with_provider(provider)
    .with_safe_default_protocol_versions()
    .map_err(|e| FetchError::Tls(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
  Ok(config)
}
