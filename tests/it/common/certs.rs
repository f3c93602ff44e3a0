//! Certificates made at test time: a CA and a `localhost` certificate it
//! signs, with a rustls server config using it.

use std::sync::Arc;

use rcgen::BasicConstraints;
use rcgen::CertificateParams;
use rcgen::IsCa;
use rcgen::Issuer;
use rcgen::KeyPair;

/// A CA (PEM, for clients to trust) and a server config for `localhost`.
pub(crate) struct TestCerts {
  /// The CA certificate, PEM.
  pub ca_pem: String,
  /// A rustls server config presenting the localhost certificate.
  pub server: Arc<rustls::ServerConfig>,
}

/// Makes a CA and a localhost certificate; the server offers `alpn`.
pub(crate) fn localhost(alpn: &[&[u8]]) -> TestCerts {
  let ca_key = KeyPair::generate().unwrap();
  let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
  ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
  let ca_cert = ca_params.self_signed(&ca_key).unwrap();
  let leaf_key = KeyPair::generate().unwrap();
  let leaf = CertificateParams::new(vec!["localhost".to_string()])
    .unwrap()
    .signed_by(&leaf_key, &Issuer::from_params(&ca_params, &ca_key))
    .unwrap();
  let provider = Arc::new(rustls::crypto::ring::default_provider());
  let mut config = rustls::ServerConfig::builder_with_provider(provider)
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
      vec![leaf.der().clone()],
      rustls_pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der())
        .unwrap(),
    )
    .unwrap();
  config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
  TestCerts {
    ca_pem: ca_cert.pem(),
    server: Arc::new(config),
  }
}

/// PEM files for a server: a CA and a certificate it signs for `names`.
pub(crate) struct PemSet {
  /// The CA certificate, PEM (what clients trust).
  pub ca: String,
  /// The server certificate, PEM.
  pub cert: String,
  /// The server certificate, DER (to compare with what a client was shown).
  pub cert_der: Vec<u8>,
  /// The server's private key, PKCS#8 PEM.
  pub key: String,
}

/// A fresh CA and a certificate for `names` (DNS names or IP addresses).
/// The two have different subject names (rcgen's default is one name for
/// both, which OpenSSL clients such as curl take for a self-signed leaf).
pub(crate) fn pem_set(names: &[&str]) -> PemSet {
  let ca_key = KeyPair::generate().unwrap();
  let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
  ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
  ca_params.distinguished_name = named("rt test CA");
  let ca_cert = ca_params.self_signed(&ca_key).unwrap();
  let leaf_key = KeyPair::generate().unwrap();
  let mut leaf_params = CertificateParams::new(
    names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
  )
  .unwrap();
  leaf_params.distinguished_name = named(names.first().unwrap_or(&"leaf"));
  let leaf = leaf_params
    .signed_by(&leaf_key, &Issuer::from_params(&ca_params, &ca_key))
    .unwrap();
  PemSet {
    ca: ca_cert.pem(),
    cert: leaf.pem(),
    cert_der: leaf.der().to_vec(),
    key: leaf_key.serialize_pem(),
  }
}

/// A distinguished name with only a common name.
fn named(common_name: &str) -> rcgen::DistinguishedName {
  let mut name = rcgen::DistinguishedName::new();
  name.push(rcgen::DnType::CommonName, common_name);
  name
}

/// Runs `openssl` with `args` in `dir`, failing the test if it fails.
pub(crate) fn openssl(dir: &std::path::Path, args: &[&str]) {
  let out = std::process::Command::new("openssl")
    .args(args)
    .current_dir(dir)
    .output()
    .expect("openssl (installed by .ci/deps)");
  assert!(
    out.status.success(),
    "openssl {args:?}: {}",
    String::from_utf8_lossy(&out.stderr)
  );
}

/// Writes `to` in `dir`: the PEM key `from` as encrypted PKCS#8 under
/// `passphrase` (AES-256-CBC, PBKDF2), as `openssl pkcs8 -topk8` makes it.
pub(crate) fn encrypt_key(
  dir: &std::path::Path,
  from: &str,
  to: &str,
  passphrase: &str,
) {
  let pass = format!("pass:{passphrase}");
  openssl(
    dir,
    &[
      "pkcs8",
      "-topk8",
      "-v2",
      "aes-256-cbc",
      "-in",
      from,
      "-out",
      to,
      "-passout",
      &pass,
    ],
  );
}

/// A fresh CA and a client certificate it signs, named `CN=common_name`
/// and marked for client authentication (mTLS).
pub(crate) fn client_set(common_name: &str) -> PemSet {
  let ca_key = KeyPair::generate().unwrap();
  let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
  ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
  ca_params
    .distinguished_name
    .push(rcgen::DnType::CommonName, format!("{common_name} CA"));
  let ca_cert = ca_params.self_signed(&ca_key).unwrap();
  let key = KeyPair::generate().unwrap();
  let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
  params.distinguished_name = rcgen::DistinguishedName::new();
  params
    .distinguished_name
    .push(rcgen::DnType::CommonName, common_name);
  params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
  let cert = params
    .signed_by(&key, &Issuer::from_params(&ca_params, &ca_key))
    .unwrap();
  PemSet {
    ca: ca_cert.pem(),
    cert: cert.pem(),
    cert_der: cert.der().to_vec(),
    key: key.serialize_pem(),
  }
}
