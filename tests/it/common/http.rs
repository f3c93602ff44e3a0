//! A small HTTP/1.1 client over raw sockets, so tests control every byte
//! (pipelining, malformed requests, slow readers) and see every byte back.

use std::io::BufRead as _;
use std::io::BufReader;
use std::io::Read;
use std::io::Write;
use std::net::TcpStream;
use std::time::Duration;

/// How long a test waits for a response before failing.
pub(crate) const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A parsed response.
#[derive(Debug)]
pub(crate) struct HttpResponse {
  pub status: u16,
  pub headers: Vec<(String, String)>,
  pub body: Vec<u8>,
  /// Fields after a chunked body (`name: value` lines, as sent).
  pub trailers: Vec<(String, String)>,
}

impl HttpResponse {
  /// The first header with this name (case-insensitive).
  pub(crate) fn header(&self, name: &str) -> Option<&str> {
    self
      .headers
      .iter()
      .find(|(n, _)| n.eq_ignore_ascii_case(name))
      .map(|(_, v)| v.as_str())
  }

  /// The body as UTF-8.
  pub(crate) fn text(&self) -> String {
    String::from_utf8_lossy(&self.body).into_owned()
  }
}

/// A keep-alive connection.
pub(crate) struct Conn {
  reader: BufReader<Box<dyn ReadWrite>>,
}

/// A socket of either kind.
pub(crate) trait ReadWrite: Read + Write + Send {}

impl ReadWrite for TcpStream {}

impl ReadWrite for std::os::unix::net::UnixStream {}

impl Conn {
  /// Connects to 127.0.0.1:port.
  pub(crate) fn open(port: u16) -> Conn {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    Conn {
      reader: BufReader::new(Box::new(stream)),
    }
  }

  /// Connects to a unix socket.
  pub(crate) fn open_unix(path: &std::path::Path) -> Conn {
    let stream =
      std::os::unix::net::UnixStream::connect(path).expect("connect unix");
    stream.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    Conn {
      reader: BufReader::new(Box::new(stream)),
    }
  }

  /// Wraps an already connected stream (a TLS session, say).
  pub(crate) fn over(stream: Box<dyn ReadWrite>) -> Conn {
    Conn {
      reader: BufReader::new(stream),
    }
  }

  /// Reads exactly `n` bytes.
  pub(crate) fn read_exact(&mut self, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    self.reader.read_exact(&mut out).expect("read");
    out
  }

  /// Writes raw bytes.
  pub(crate) fn send(&mut self, raw: &[u8]) {
    self.reader.get_mut().write_all(raw).expect("write request");
  }

  /// Sends a GET for `path`.
  pub(crate) fn get(&mut self, path: &str) -> HttpResponse {
    self.send(
      format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes(),
    );
    self.read_response(false)
  }

  /// Reads the status line and headers only.
  pub(crate) fn read_head(&mut self) -> (u16, Vec<(String, String)>) {
    let mut line = String::new();
    self.reader.read_line(&mut line).expect("status line");
    let status = line
      .split(' ')
      .nth(1)
      .and_then(|s| s.parse().ok())
      .unwrap_or_else(|| panic!("bad status line {line:?}"));
    let mut headers = Vec::new();
    loop {
      let mut h = String::new();
      self.reader.read_line(&mut h).expect("header line");
      let h = h.trim_end();
      if h.is_empty() {
        break;
      }
      let (n, v) = h.split_once(':').expect("header colon");
      headers.push((n.trim().to_string(), v.trim().to_string()));
    }
    (status, headers)
  }

  /// Reads one response; `head_request` means no body follows.
  pub(crate) fn read_response(&mut self, head_request: bool) -> HttpResponse {
    let (status, headers) = self.read_head();
    let find = |name: &str| {
      headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    let mut trailers = Vec::new();
    if head_request
      || status == 204
      || status == 304
      || (100..200).contains(&status)
    {
      // no body
    } else if find("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
      loop {
        let mut size = String::new();
        self.reader.read_line(&mut size).expect("chunk size");
        let size = usize::from_str_radix(size.trim(), 16).expect("hex size");
        if size == 0 {
          // The trailer section, up to its empty line.
          loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).expect("trailer line");
            let line = line.trim_end();
            if line.is_empty() {
              break;
            }
            let (name, value) = line.split_once(':').expect("trailer field");
            trailers.push((name.to_string(), value.trim().to_string()));
          }
          break;
        }
        let mut chunk = vec![0; size + 2];
        self.reader.read_exact(&mut chunk).expect("chunk");
        body.extend_from_slice(&chunk[..size]);
      }
    } else if let Some(len) = find("content-length") {
      let len: usize = len.parse().expect("length");
      body.resize(len, 0);
      self.reader.read_exact(&mut body).expect("body");
    } else {
      self.reader.read_to_end(&mut body).expect("body to eof");
    }
    HttpResponse {
      status,
      headers,
      body,
      trailers,
    }
  }

  /// Reads up to `n` raw bytes (for checks on what the server sent).
  pub(crate) fn read_some(&mut self) -> Vec<u8> {
    let mut buf = vec![0; 65536];
    let n = self.reader.read(&mut buf).unwrap_or(0);
    buf.truncate(n);
    buf
  }

  /// True if the server closed the connection (EOF) within the read timeout.
  pub(crate) fn closed_by_server(&mut self) -> bool {
    let mut buf = [0u8; 1];
    matches!(self.reader.read(&mut buf), Ok(0) | Err(_))
  }
}

/// One request on a fresh connection.
pub(crate) fn get(port: u16, path: &str) -> HttpResponse {
  Conn::open(port).get(path)
}

/// Sends raw bytes on a fresh connection and reads one response.
pub(crate) fn raw(port: u16, request: &str) -> HttpResponse {
  let mut conn = Conn::open(port);
  conn.send(request.as_bytes());
  conn.read_response(false)
}

/// A request with a method, extra headers and a body (Content-Length set).
pub(crate) fn send(
  port: u16,
  method: &str,
  path: &str,
  headers: &[(&str, &str)],
  body: &[u8],
) -> HttpResponse {
  let mut conn = Conn::open(port);
  let mut head = format!(
    "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n",
    body.len()
  );
  for (n, v) in headers {
    head.push_str(&format!("{n}: {v}\r\n"));
  }
  head.push_str("\r\n");
  let mut bytes = head.into_bytes();
  bytes.extend_from_slice(body);
  conn.send(&bytes);
  conn.read_response(method == "HEAD")
}
