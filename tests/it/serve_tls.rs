//! `Bun.serve({ tls })`: every input form Bun takes, SNI with a default
//! certificate for clients that send no name, keep-alive and WebSockets
//! over TLS, and clear errors for inputs that cannot work. Certificates
//! are made at test time.

use crate::common;

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering;

use crate::common::certs::PemSet;
use crate::common::certs::encrypt_key;
use crate::common::certs::pem_set;
use crate::common::http::Conn;
use crate::common::http::READ_TIMEOUT;
use crate::common::http::ReadWrite;
use crate::common::*;
use rustls::ClientConnection;
use rustls::StreamOwned;
use rustls_pki_types::ServerName;

impl ReadWrite for StreamOwned<ClientConnection, TcpStream> {}

/// A fresh directory holding `NAME.key`/`NAME.crt` for each set, plus the
/// single-set names `key.pem`, `cert.pem`, `ca.pem` for the first.
fn cert_dir(sets: &[(&str, &PemSet)]) -> PathBuf {
  static NEXT: AtomicUsize = AtomicUsize::new(0);
  let dir = std::env::temp_dir().join(format!(
    "rt-serve-tls-{}-{}",
    std::process::id(),
    NEXT.fetch_add(1, Ordering::SeqCst)
  ));
  std::fs::create_dir_all(&dir).unwrap();
  for (name, set) in sets {
    std::fs::write(dir.join(format!("{name}.key")), &set.key).unwrap();
    std::fs::write(dir.join(format!("{name}.crt")), &set.cert).unwrap();
  }
  let (_, first) = sets[0];
  std::fs::write(dir.join("key.pem"), &first.key).unwrap();
  std::fs::write(dir.join("cert.pem"), &first.cert).unwrap();
  std::fs::write(dir.join("ca.pem"), &first.ca).unwrap();
  encrypt_key(&dir, "key.pem", "encrypted.pem", "s3cret");
  dir
}

/// `serve/tls_sni.js` with `default` first, `a` for a.test and `wild` for
/// *.wild.test.
fn serve_sni(default: &PemSet, a: &PemSet, wild: &PemSet) -> Served {
  let dir = cert_dir(&[("default", default), ("a", a), ("wild", wild)]);
  Served::spawn(
    &["run", "serve/tls_sni.js"],
    &[("CERT_DIR", dir.to_str().unwrap())],
  )
}

/// A TLS session to 127.0.0.1:port that trusts `cas` and asks for
/// `name` (an IP address sends no SNI); returns it with the leaf
/// certificate the server presented.
fn connect(port: u16, name: &str, cas: &[&PemSet]) -> (Conn, Vec<u8>) {
  use rustls_pki_types::pem::PemObject as _;
  let mut roots = rustls::RootCertStore::empty();
  for set in cas {
    let der =
      rustls_pki_types::CertificateDer::from_pem_slice(set.ca.as_bytes())
        .unwrap();
    roots.add(der).unwrap();
  }
  let provider = Arc::new(rustls::crypto::ring::default_provider());
  let config = rustls::ClientConfig::builder_with_provider(provider)
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
  let server_name = ServerName::try_from(name.to_string()).unwrap();
  let session = ClientConnection::new(Arc::new(config), server_name).unwrap();
  let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
  tcp.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
  let mut stream = StreamOwned::new(session, tcp);
  while stream.conn.is_handshaking() {
    stream
      .conn
      .complete_io(&mut stream.sock)
      .expect("TLS handshake");
  }
  let leaf = stream.conn.peer_certificates().unwrap()[0].to_vec();
  (Conn::over(Box::new(stream)), leaf)
}

#[test]
fn every_tls_input_form_serves_https() {
  let set = pem_set(&["localhost", "127.0.0.1"]);
  let dir = cert_dir(&[("default", &set)]);
  let mut cmd = rt_command();
  cmd
    .args(["run", "serve/tls_forms.js"])
    .current_dir(fixture(""))
    .env("CERT_DIR", &dir);
  let out = run_command(cmd);
  assert_stdout(
    &out,
    "string: https: https string https:\n\
     buffer: https: https buffer https:\n\
     uint8array: https: https uint8array https:\n\
     arraybuffer: https: https arraybuffer https:\n\
     array: https: https array https:\n\
     files: https: https files https:\n\
     bunFile: https: https bunFile https:\n\
     sni: https: https sni https:\n\
     passphrase: https: https passphrase https:\n",
  );
}

#[test]
fn sni_picks_the_certificate_and_the_first_is_the_default() {
  let default = pem_set(&["localhost", "127.0.0.1"]);
  let a = pem_set(&["a.test"]);
  let wild = pem_set(&["*.wild.test"]);
  let s = serve_sni(&default, &a, &wild);
  let cas = [&default, &a, &wild];
  for (name, expected) in [
    ("a.test", &a),
    ("x.wild.test", &wild),
    ("localhost", &default),
    // An IP address: rustls sends no SNI, as `curl https://127.0.0.1` does not.
    ("127.0.0.1", &default),
  ] {
    let (mut conn, leaf) = connect(s.port, name, &cas);
    assert_eq!(leaf, expected.cert_der, "certificate presented for {name}");
    let r = conn.get("/hello");
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), "GET https://localhost/hello");
  }
  s.stop();
}

/// Keep-alive over TLS: between requests the connection parks (hyper's
/// state dropped, the TLS session kept); requests after that, a burst of
/// pipelined ones and a body in two writes are all served.
#[test]
fn keep_alive_over_tls_serves_every_request() {
  let default = pem_set(&["localhost", "127.0.0.1"]);
  let s = serve_sni(&default, &default, &default);
  let (mut conn, _) = connect(s.port, "localhost", &[&default]);
  for i in 0..5 {
    assert_eq!(
      conn.get(&format!("/{i}")).text(),
      format!("GET https://localhost/{i}")
    );
  }
  conn.send(
    b"GET /p1 HTTP/1.1\r\nHost: localhost\r\n\r\nGET /p2 HTTP/1.1\r\nHost: localhost\r\n\r\n",
  );
  assert_eq!(conn.read_response(false).text(), "GET https://localhost/p1");
  assert_eq!(conn.read_response(false).text(), "GET https://localhost/p2");
  conn.send(
    b"POST /b HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nab",
  );
  conn.send(b"cd");
  assert_eq!(conn.read_response(false).text(), "POST https://localhost/b");
  s.stop();
}

#[test]
fn websockets_upgrade_over_tls() {
  let default = pem_set(&["localhost", "127.0.0.1"]);
  let s = serve_sni(&default, &default, &default);
  let (mut conn, _) = connect(s.port, "localhost", &[&default]);
  conn.send(
    b"GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  let (status, _) = conn.read_head();
  assert_eq!(status, 101);
  for text in ["hi", "again"] {
    conn.send(&common::ws::encode_frame(
      true,
      common::ws::TEXT,
      text.as_bytes(),
      true,
    ));
    let expected = format!("echo {text}");
    let frame = conn.read_exact(2 + expected.len());
    assert_eq!(frame[0], 0x81, "a final text frame");
    assert_eq!(usize::from(frame[1]), expected.len());
    assert_eq!(&frame[2..], expected.as_bytes());
  }
  s.stop();
}

#[test]
fn tls_inputs_that_cannot_work_throw_type_errors() {
  let default = pem_set(&["localhost"]);
  let a = pem_set(&["a.test"]);
  let dir = cert_dir(&[("default", &default), ("a", &a)]);
  let mut cmd = rt_command();
  cmd
    .args(["run", "serve/tls_bad.js"])
    .current_dir(fixture(""))
    .env("CERT_DIR", &dir);
  let out = run_command(cmd);
  let stdout = &out.stdout;
  let missing = format!(
    "missingFile: TypeError ERR_INVALID_ARG_VALUE Bun.serve: tls.keyFile: cannot read '{}/nope.key'",
    dir.display()
  );
  let missing_bun_file = format!(
    "missingBunFile: TypeError ERR_INVALID_ARG_VALUE Bun.serve: tls.key: cannot read '{}/nope.key': ENOENT: no such file or directory",
    dir.display()
  );
  for expected in [
    missing_bun_file.as_str(),
    "mismatch: TypeError ERR_INVALID_ARG_VALUE Bun.serve: tls: the key does not match the certificate",
    missing.as_str(),
    "legacyEncrypted: TypeError ERR_INVALID_ARG_VALUE Bun.serve: tls.key: legacy encrypted PEM keys (Proc-Type: 4,ENCRYPTED) are not supported",
    "encryptedNoPassphrase: TypeError ERR_INVALID_ARG_VALUE Bun.serve: tls.key: the key is encrypted and no passphrase was given",
    "wrongPassphrase: TypeError ERR_INVALID_ARG_VALUE Bun.serve: tls.key: the passphrase does not open the key",
    "sniWithoutName: TypeError ERR_INVALID_ARG_VALUE SNI tls object must have a serverName",
    "keyWithoutCert: TypeError ERR_INVALID_ARG_VALUE Bun.serve: tls has a key but no cert",
    "notPem: TypeError ERR_INVALID_ARG_VALUE Bun.serve: tls.cert: no PEM certificate found",
    "wrongType: TypeError ERR_INVALID_ARG_TYPE Bun.serve: tls.key must be a string, a Buffer",
  ] {
    assert!(
      stdout.lines().any(|l| l.starts_with(expected)),
      "missing {expected:?} in:\n{stdout}"
    );
  }
}

#[test]
fn client_certificates_are_checked_and_readable_and_tls_works_on_unix_sockets()
{
  let server = pem_set(&["localhost"]);
  let client = common::certs::client_set("client-1");
  let stranger = common::certs::client_set("stranger");
  let dir = cert_dir(&[
    ("server", &server),
    ("client", &client),
    ("stranger", &stranger),
  ]);
  std::fs::write(dir.join("server-ca.crt"), &server.ca).unwrap();
  std::fs::write(dir.join("client-ca.crt"), &client.ca).unwrap();
  let mut cmd = rt_command();
  cmd
    .args(["run", "serve/tls_mtls.js"])
    .current_dir(fixture(""))
    .env("CERT_DIR", &dir);
  let out = run_command(cmd);
  let lines: Vec<&str> = out.stdout.lines().collect();
  assert_eq!(lines.len(), 8, "{}", out.stdout);
  assert_eq!(
    lines[0],
    "strict with client cert: client-1 authorized=true"
  );
  assert!(
    lines[1].starts_with("strict without cert: refused "),
    "{}",
    lines[1]
  );
  assert!(
    lines[2].starts_with("strict with stranger cert: refused "),
    "{}",
    lines[2]
  );
  assert_eq!(
    &lines[3..],
    [
      "lenient with client cert: client-1 authorized=true",
      "lenient without cert: no certificate",
      "lenient with stranger cert: stranger authorized=false",
      "no requestCert: no certificate",
      "unix https://localhost/over-unix",
    ]
  );
}

#[test]
fn reload_swaps_certificates_for_new_connections_and_keeps_open_ones() {
  let old = pem_set(&["localhost"]);
  let new = pem_set(&["localhost"]);
  let dir = cert_dir(&[("old", &old), ("new", &new)]);
  let s = Served::spawn(
    &["run", "serve/tls_reload.js"],
    &[("CERT_DIR", dir.to_str().unwrap())],
  );
  let cas = [&old, &new];
  let (mut first, leaf) = connect(s.port, "localhost", &cas);
  assert_eq!(leaf, old.cert_der);
  assert_eq!(first.get("/a").text(), "GET https://localhost/a");
  assert_eq!(first.get("/reload").text(), "reloaded");
  let (mut second, leaf) = connect(s.port, "localhost", &cas);
  assert_eq!(
    leaf, new.cert_der,
    "a new handshake gets the new certificate"
  );
  assert_eq!(second.get("/b").text(), "GET https://localhost/b");
  // The connection open across the reload keeps its session.
  assert_eq!(first.get("/c").text(), "GET https://localhost/c");
  s.stop();
}
