//! Bun's `tls.checkServerIdentity`: after the TLS handshake and before the
//! request is written, the script sees the host name and the peer's
//! certificate and may refuse the connection.
//!
//! The check is JS, which cannot run inside rustls' verifier (that runs in
//! the middle of polling the connection). So the connector pauses instead:
//! it hands an [`IdentityCheck`] to the fetch's op layer and waits for the
//! verdict. The chain is still verified by rustls; only the name check is
//! deferred to the script, as in Node.

use std::future::Future;
use std::pin::Pin;
use std::task::Context;
use std::task::Poll;

use hyper_rustls::MaybeHttpsStream;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::sync::oneshot;
use x509_parser::prelude::FromDer as _;
use x509_parser::prelude::GeneralName;
use x509_parser::prelude::X509Certificate;

type Inner = hyper_rustls::HttpsConnector<HttpConnector>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One connection waiting for the script's verdict.
pub struct IdentityCheck {
  /// The host name the connection is for.
  pub host: String,
  /// The peer's certificate, described as Node describes it.
  pub certificate: PeerCertificate,
  /// `Ok` lets the request go; `Err(message)` fails the fetch.
  pub reply: oneshot::Sender<Result<(), String>>,
}

/// The fields of Node's `PeerCertificate` that scripts use.
#[derive(Debug, Default, serde::Serialize)]
pub struct PeerCertificate {
  /// Subject attributes by short name (`CN`, `O`, ...).
  pub subject: Vec<(String, String)>,
  /// Issuer attributes by short name.
  pub issuer: Vec<(String, String)>,
  /// `"DNS:a.example, IP Address:127.0.0.1"`, as Node formats it.
  pub subjectaltname: String,
  /// Start of validity, `"Jan  1 00:00:00 2026 GMT"`.
  pub valid_from: String,
  /// End of validity.
  pub valid_to: String,
  /// Upper-case hex serial number.
  pub serial_number: String,
  /// SHA-256 of the DER, `AB:CD:...`.
  pub fingerprint256: String,
  /// The DER bytes.
  #[serde(skip)]
  pub raw: Vec<u8>,
}

impl PeerCertificate {
  /// Describes a DER certificate; fields it cannot parse stay empty.
  pub fn from_der(der: &[u8]) -> Self {
    let digest = ring::digest::digest(&ring::digest::SHA256, der);
    let fingerprint256 = hex_pairs(digest.as_ref());
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
      return Self {
        fingerprint256,
        raw: der.to_vec(),
        ..Self::default()
      };
    };
    Self {
      subject: names(cert.subject()),
      issuer: names(cert.issuer()),
      subjectaltname: alt_names(&cert),
      valid_from: node_time(cert.validity().not_before),
      valid_to: node_time(cert.validity().not_after),
      serial_number: cert
        .raw_serial_as_string()
        .replace(':', "")
        .to_uppercase(),
      fingerprint256,
      raw: der.to_vec(),
    }
  }
}

fn hex_pairs(bytes: &[u8]) -> String {
  let pairs: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
  pairs.join(":")
}

/// OpenSSL's short names for the attributes Node shows (`subject.CN`);
/// the OID registry's names are the long ones (`commonName`).
const SHORT_NAMES: &[(&str, &str)] = &[
  ("2.5.4.3", "CN"),
  ("2.5.4.6", "C"),
  ("2.5.4.7", "L"),
  ("2.5.4.8", "ST"),
  ("2.5.4.10", "O"),
  ("2.5.4.11", "OU"),
  ("2.5.4.5", "serialNumber"),
  ("1.2.840.113549.1.9.1", "emailAddress"),
  ("0.9.2342.19200300.100.1.25", "DC"),
];

fn names(name: &x509_parser::x509::X509Name<'_>) -> Vec<(String, String)> {
  let registry = x509_parser::objects::oid_registry();
  name
    .iter_attributes()
    .filter_map(|attr| {
      let oid = attr.attr_type().to_id_string();
      let key = match SHORT_NAMES.iter().find(|(id, _)| *id == oid) {
        Some((_, short)) => short.to_string(),
        None => x509_parser::objects::oid2sn(attr.attr_type(), registry)
          .map_or(oid, str::to_string),
      };
      Some((key, attr.as_str().ok()?.to_string()))
    })
    .collect()
}

fn alt_names(cert: &X509Certificate<'_>) -> String {
  let Ok(Some(san)) = cert.subject_alternative_name() else {
    return String::new();
  };
  let parts: Vec<String> = san
    .value
    .general_names
    .iter()
    .filter_map(|name| match name {
      GeneralName::DNSName(dns) => Some(format!("DNS:{dns}")),
      GeneralName::IPAddress(ip) => {
        ip_text(ip).map(|ip| format!("IP Address:{ip}"))
      }
      GeneralName::URI(uri) => Some(format!("URI:{uri}")),
      GeneralName::RFC822Name(mail) => Some(format!("email:{mail}")),
      _ => None,
    })
    .collect();
  parts.join(", ")
}

fn ip_text(bytes: &[u8]) -> Option<String> {
  match bytes.len() {
    4 => {
      let octets: [u8; 4] = bytes.try_into().ok()?;
      Some(std::net::Ipv4Addr::from(octets).to_string())
    }
    16 => {
      let octets: [u8; 16] = bytes.try_into().ok()?;
      // Node prints IPv6 SANs in full upper-case groups; the compressed
      // form is what scripts compare against in practice.
      Some(std::net::Ipv6Addr::from(octets).to_string().to_uppercase())
    }
    _ => None,
  }
}

fn node_time(time: x509_parser::time::ASN1Time) -> String {
  let t = time.to_datetime();
  const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
    "Nov", "Dec",
  ];
  let month = MONTHS[usize::from(u8::from(t.month())) - 1];
  format!(
    "{month} {:>2} {:02}:{:02}:{:02} {} GMT",
    t.day(),
    t.hour(),
    t.minute(),
    t.second(),
    t.year()
  )
}

/// The https connector, pausing each new TLS connection for the script.
#[derive(Clone)]
pub struct IdentityGate {
  inner: Inner,
  checks: mpsc::Sender<IdentityCheck>,
}

impl IdentityGate {
  /// Wraps `inner`; checks are sent to `checks`.
  pub fn new(inner: Inner, checks: mpsc::Sender<IdentityCheck>) -> Self {
    Self { inner, checks }
  }
}

impl tower_service::Service<http::Uri> for IdentityGate {
  type Response = MaybeHttpsStream<TokioIo<TcpStream>>;
  type Error = BoxError;
  type Future =
    Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

  fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
    self.inner.poll_ready(cx)
  }

  fn call(&mut self, uri: http::Uri) -> Self::Future {
    let host = uri
      .host()
      .unwrap_or_default()
      .trim_matches(['[', ']'])
      .to_string();
    let connecting = self.inner.call(uri);
    let checks = self.checks.clone();
    Box::pin(async move {
      let stream = connecting.await?;
      let MaybeHttpsStream::Https(tls) = &stream else {
        return Ok(stream);
      };
      let (_, session) = tls.inner().get_ref();
      let certificate = session
        .peer_certificates()
        .and_then(|chain| chain.first())
        .map(|der| PeerCertificate::from_der(der))
        .unwrap_or_default();
      let (reply, verdict) = oneshot::channel();
      let check = IdentityCheck {
        host,
        certificate,
        reply,
      };
      if checks.send(check).await.is_err() {
        return Err(
          "the fetch ended before the server identity was checked".into(),
        );
      }
      match verdict.await {
        Ok(Ok(())) => Ok(stream),
        Ok(Err(message)) => Err(IdentityRejected(message).into()),
        Err(_) => Err("the server identity check was abandoned".into()),
      }
    })
  }
}

/// The script's `checkServerIdentity` returned an error.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct IdentityRejected(pub String);
