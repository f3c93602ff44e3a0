//! Follows the HTTP/1 request framing of a connection's raw bytes to spot
//! request heads that carry both `Content-Length` and `Transfer-Encoding`
//! (RFC 9112 §6.3, a smuggling attempt). hyper resolves such a head safely
//! but silently; rt answers it with a 400, as Bun does.
//!
//! Only heads are read (line by line), and bodies are skipped by their
//! framing (a length, or chunk sizes, parsed by `httparse`), so body bytes
//! are never searched and a body that merely contains the text of such
//! headers is not mistaken for a head. Nothing is buffered unless a head or
//! a chunk-size line spans two reads.

/// Largest partial head kept between reads (hyper answers 431 past 16 KiB).
const MAX_PARTIAL_HEAD: usize = 64 * 1024;
/// Largest partial chunk-size or trailer section kept between reads.
const MAX_PARTIAL_LINE: usize = 16 * 1024;

/// Where in the request stream the next byte belongs.
#[derive(Debug)]
enum State {
  /// A request head (the bytes of it seen so far, when it spans reads).
  Head(Vec<u8>),
  /// A body of known length: the bytes still to come.
  Fixed(u64),
  /// A chunk-size line (the part seen so far).
  ChunkSize(Vec<u8>),
  /// Chunk data: the bytes still to come, then its CRLF.
  ChunkData(u64),
  /// The trailer section after the last chunk (the part seen so far).
  Trailers(Vec<u8>),
  /// Bytes that are not HTTP/1 requests any more (an upgrade, HTTP/2, a
  /// head hyper rejects anyway): nothing more to look at.
  Done,
}

/// The framing follower for one connection.
#[derive(Debug)]
pub struct HeadScanner {
  state: State,
}

impl Default for HeadScanner {
  fn default() -> Self {
    Self {
      state: State::Head(Vec::new()),
    }
  }
}

/// What a complete head says about what follows it.
enum Next {
  Fixed(u64),
  Chunked,
  Nothing,
  /// Another protocol may follow (`Upgrade`, CONNECT, HTTP/2's preface).
  Upgrade,
  Stop,
}

/// What one read held.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Fed {
  /// Complete heads that carry both framings.
  pub conflicts: usize,
  /// Where a head asking to switch protocols ended, in this read: the
  /// bytes after it may belong to the other protocol.
  pub upgrade_end: Option<usize>,
}

/// Reads a head at the start of `bytes`: `Some((consumed, conflict,
/// next))` when complete, `None` while more bytes are needed. Only the lines
/// are split and three header names compared: hyper parses (and validates)
/// the head itself, so this costs a few `memchr` calls per request.
fn parse_head(bytes: &[u8]) -> Option<(usize, bool, Next)> {
  let mut pos = 0;
  let mut request_line = true;
  let mut length: Option<u64> = None;
  let mut te: Option<&[u8]> = None;
  let mut upgrade = false;
  loop {
    let newline = memchr::memchr(b'\n', &bytes[pos..])?;
    let line = &bytes[pos..pos + newline];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    pos += newline + 1;
    if line.is_empty() {
      if request_line {
        // Empty lines before a request line are allowed (RFC 9112 §2.2).
        continue;
      }
      break;
    }
    if request_line {
      request_line = false;
      // HTTP/2's preface and CONNECT tunnels are not followed.
      if line.starts_with(b"PRI ") || line.starts_with(b"CONNECT ") {
        upgrade = true;
      }
      continue;
    }
    let Some(colon) = memchr::memchr(b':', line) else {
      continue;
    };
    let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
    if name.eq_ignore_ascii_case(b"content-length") {
      length = Some(
        std::str::from_utf8(value)
          .ok()
          .and_then(|v| v.parse().ok())
          .unwrap_or(u64::MAX),
      );
    } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
      te = Some(value);
    } else if name.eq_ignore_ascii_case(b"upgrade") {
      upgrade = true;
    }
  }
  let conflict = length.is_some() && te.is_some();
  let next = match (te, length) {
    // hyper answers or closes these; nothing after them is followed.
    _ if conflict => Next::Stop,
    _ if upgrade => Next::Upgrade,
    (Some(te), _) => {
      let last = te.rsplit(|b| *b == b',').next().unwrap_or(te);
      if last.trim_ascii().eq_ignore_ascii_case(b"chunked") {
        Next::Chunked
      } else {
        Next::Stop
      }
    }
    (None, Some(u64::MAX)) => Next::Stop,
    (None, Some(0)) | (None, None) => Next::Nothing,
    (None, Some(n)) => Next::Fixed(n),
  };
  Some((pos, conflict, next))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
  haystack.windows(needle.len()).position(|w| w == needle)
}

impl HeadScanner {
  /// Whether every byte seen so far belongs to complete requests (the next
  /// byte would start a new head).
  pub fn at_message_start(&self) -> bool {
    matches!(&self.state, State::Head(partial) if partial.is_empty())
  }

  /// Follows `bytes` (the next read).
  pub fn feed(&mut self, bytes: &[u8]) -> Fed {
    let mut fed = Fed::default();
    let mut rest = bytes;
    while !rest.is_empty() {
      // A head or line that began in an earlier read: join it with this
      // read and follow the joined bytes instead (only here is anything
      // copied).
      if let State::Head(partial)
      | State::ChunkSize(partial)
      | State::Trailers(partial) = &mut self.state
        && !partial.is_empty()
      {
        let mut joined = std::mem::take(partial);
        let earlier = joined.len();
        joined.extend_from_slice(rest);
        let inner = self.feed(&joined);
        // Offsets into `bytes`: the head that ended is in this read.
        let offset = bytes.len() - rest.len();
        return Fed {
          conflicts: fed.conflicts + inner.conflicts,
          upgrade_end: inner
            .upgrade_end
            .map(|end| offset + end.saturating_sub(earlier)),
        };
      }
      match &mut self.state {
        State::Done => break,
        State::Fixed(left) | State::ChunkData(left) => {
          let n = (*left).min(rest.len() as u64);
          rest = &rest[n as usize..];
          *left -= n;
          if *left == 0 {
            self.state = match self.state {
              State::Fixed(_) => State::Head(Vec::new()),
              _ => State::ChunkSize(Vec::new()),
            };
          }
        }
        State::Head(_) => match parse_head(rest) {
          Some((consumed, conflict, next)) => {
            fed.conflicts += usize::from(conflict);
            rest = &rest[consumed..];
            self.state = match next {
              Next::Fixed(n) => State::Fixed(n),
              Next::Chunked => State::ChunkSize(Vec::new()),
              Next::Nothing => State::Head(Vec::new()),
              Next::Upgrade => {
                fed.upgrade_end = Some(bytes.len() - rest.len());
                State::Done
              }
              Next::Stop => State::Done,
            };
          }
          None if rest.len() <= MAX_PARTIAL_HEAD => {
            self.state = State::Head(rest.to_vec());
            break;
          }
          None => self.state = State::Done,
        },
        State::ChunkSize(_) => match httparse::parse_chunk_size(rest) {
          Ok(httparse::Status::Complete((consumed, 0))) => {
            self.state = State::Trailers(Vec::new());
            rest = &rest[consumed..];
          }
          Ok(httparse::Status::Complete((consumed, size))) => {
            // The chunk's data and the CRLF after it.
            self.state = State::ChunkData(size.saturating_add(2));
            rest = &rest[consumed..];
          }
          Ok(httparse::Status::Partial) if rest.len() <= MAX_PARTIAL_LINE => {
            self.state = State::ChunkSize(rest.to_vec());
            break;
          }
          _ => self.state = State::Done,
        },
        State::Trailers(_) => {
          // No trailers: a lone CRLF; otherwise up to the blank line.
          let end = if rest.starts_with(b"\r\n") {
            Some(2)
          } else {
            find(rest, b"\r\n\r\n").map(|i| i + 4)
          };
          match end {
            Some(end) => {
              self.state = State::Head(Vec::new());
              rest = &rest[end..];
            }
            // A lone CR may be the start of the final CRLF.
            None if rest.len() <= MAX_PARTIAL_LINE => {
              self.state = State::Trailers(rest.to_vec());
              break;
            }
            None => {
              self.state = State::Done;
              break;
            }
          }
        }
      }
    }
    fed
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn conflicts(reads: &[&[u8]]) -> usize {
    let mut scanner = HeadScanner::default();
    reads.iter().map(|r| scanner.feed(r).conflicts).sum()
  }

  #[test]
  fn both_framings_in_one_head() {
    let both = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    assert_eq!(conflicts(&[both]), 1);
    let te_first = b"POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\n";
    assert_eq!(conflicts(&[te_first]), 1);
    // Split anywhere, even inside a header name.
    for cut in 1..both.len() {
      assert_eq!(conflicts(&[&both[..cut], &both[cut..]]), 1, "cut at {cut}");
    }
  }

  #[test]
  fn one_framing_is_fine() {
    assert_eq!(
      conflicts(&[b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"]),
      0
    );
    assert_eq!(conflicts(&[b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"]), 0);
    // A Content-Length in an earlier pipelined head does not count.
    assert_eq!(
      conflicts(&[b"GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\nPOST / HTTP/1.1\r\nTRANSFER-ENCODING: chunked\r\n\r\n0\r\n\r\n"]),
      0
    );
  }

  #[test]
  fn bodies_are_skipped_not_searched() {
    // A body that reads like a head with both framings.
    let fake = b"\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n";
    let mut fixed = format!(
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
      fake.len()
    )
    .into_bytes();
    fixed.extend_from_slice(fake);
    fixed.extend_from_slice(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(conflicts(&[&fixed]), 0);
    for cut in 1..fixed.len() {
      assert_eq!(conflicts(&[&fixed[..cut], &fixed[cut..]]), 0, "cut {cut}");
    }
    // The same inside chunks, then a real conflict after the body.
    let mut chunked =
      b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    chunked.extend_from_slice(format!("{:x}\r\n", fake.len()).as_bytes());
    chunked.extend_from_slice(fake);
    chunked.extend_from_slice(b"\r\n0\r\nX-Trailer: 1\r\n\r\n");
    chunked.extend_from_slice(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert_eq!(conflicts(&[&chunked]), 1);
    for cut in 1..chunked.len() {
      assert_eq!(
        conflicts(&[&chunked[..cut], &chunked[cut..]]),
        1,
        "cut {cut}"
      );
    }
  }

  #[test]
  fn the_end_of_an_upgrade_head_is_reported_in_the_read_that_completes_it() {
    let head = b"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\n\r\n";
    let frames = b"\x81\x80abcd";
    let read = [&head[..], &frames[..]].concat();
    let mut scanner = HeadScanner::default();
    assert_eq!(scanner.feed(&read).upgrade_end, Some(head.len()));
    // Split inside the head: the offset is into the second read.
    let mut scanner = HeadScanner::default();
    assert_eq!(scanner.feed(&read[..10]).upgrade_end, None);
    assert_eq!(scanner.feed(&read[10..]).upgrade_end, Some(head.len() - 10));
    // After a complete request on the same read.
    let first = b"GET / HTTP/1.1\r\n\r\n";
    let mut scanner = HeadScanner::default();
    let both = [&first[..], &read[..]].concat();
    assert_eq!(
      scanner.feed(&both).upgrade_end,
      Some(first.len() + head.len())
    );
  }

  #[test]
  fn upgrades_and_other_protocols_stop_the_scan() {
    let upgrade = b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n";
    assert_eq!(conflicts(&[upgrade]), 0);
    assert_eq!(conflicts(&[b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]), 0);
    assert_eq!(conflicts(&[b"\x16\x03\x01 garbage"]), 0);
  }
}
