//! Files as responses (`new Response(Bun.file(p))`, `Bun.file(p)` as a
//! route): opened and read off the event loop, streamed to the socket in
//! chunks as it drains (paced by the connection's [`Flow`], as JS streams
//! are), never copied through JS. Validators and ranges follow RFC 9110:
//! `ETag`, `Last-Modified`, `If-Match`/`If-Unmodified-Since` → 412,
//! `If-None-Match`/`If-Modified-Since` → 304,
//! a single `Range` → 206 (`If-Range` respected), unsatisfiable → 416.
//! Several ranges in one request get the whole file (200), as RFC 9110
//! allows.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Context;
use std::task::Poll;
use std::time::SystemTime;
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use http::HeaderMap;
use http::HeaderValue;
use http::Method;
use http::Response;
use http::StatusCode;
use http::header;

use super::body::ResponseBody;
use super::flow::Flow;
use super::routes::none_match_hits;

/// Bytes read from the file per chunk.
const CHUNK: usize = 256 * 1024;
/// Bytes a file body may have handed to hyper and not yet written: enough
/// that the next read overlaps the socket writes, bounded per download.
const READ_AHEAD: usize = 1024 * 1024;

/// Why a file cannot be a response.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
  /// Opening or reading failed (missing, no permission, ...).
  #[error(transparent)]
  Io(#[from] std::io::Error),
  /// The path names a directory: never served by accident.
  #[error("Cannot stream a directory as a response body")]
  Directory,
}

/// Which bytes of a file the script chose (`Bun.file(p).slice(a, b)`).
#[derive(Debug, Clone)]
pub struct FileSource {
  /// The file's path.
  pub path: PathBuf,
  /// First byte of the slice.
  pub start: u64,
  /// End of the slice (exclusive), `None` for the end of the file.
  pub end: Option<u64>,
}

/// An opened file and what the response needs to know about it.
pub struct OpenFile {
  file: std::fs::File,
  /// Start of the entity (the slice) in the file.
  offset: u64,
  /// Length of the entity.
  len: u64,
  modified: Option<SystemTime>,
}

impl OpenFile {
  /// Opens `source` on the blocking pool; a directory is an error.
  pub async fn open(source: &FileSource) -> Result<Self, FileError> {
    let source = source.clone();
    tokio::task::spawn_blocking(move || Self::open_now(&source))
      .await
      .map_err(|e| FileError::Io(std::io::Error::other(e.to_string())))?
  }

  fn open_now(source: &FileSource) -> Result<Self, FileError> {
    let file = std::fs::File::open(&source.path)?;
    let meta = file.metadata()?;
    if meta.is_dir() {
      return Err(FileError::Directory);
    }
    let size = meta.len();
    let offset = source.start.min(size);
    let end = source.end.map_or(size, |e| e.min(size)).max(offset);
    Ok(Self {
      file,
      offset,
      len: end - offset,
      modified: meta.modified().ok(),
    })
  }

  /// The entity tag: size and modification time (as nginx makes it), and
  /// the slice when there is one.
  fn etag(&self) -> HeaderValue {
    let mtime = self
      .modified
      .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
      .map_or(0, |d| d.as_secs());
    let tag = if self.offset == 0 {
      format!("\"{mtime:x}-{:x}\"", self.len)
    } else {
      format!("\"{mtime:x}-{:x}-{:x}\"", self.len, self.offset)
    };
    HeaderValue::try_from(tag).unwrap_or(HeaderValue::from_static("\"0\""))
  }
}

/// What the request asks of the response: its method and the conditional
/// and range fields.
#[derive(Debug, Default, Clone)]
pub struct Conditions {
  head_or_get: bool,
  get: bool,
  if_match: Option<HeaderValue>,
  if_unmodified_since: Option<HeaderValue>,
  if_none_match: Option<HeaderValue>,
  if_modified_since: Option<HeaderValue>,
  range: Option<HeaderValue>,
  if_range: Option<HeaderValue>,
}

impl Conditions {
  /// Reads the fields of a request.
  pub fn of(method: &Method, headers: &HeaderMap) -> Self {
    Self {
      head_or_get: method == Method::GET || method == Method::HEAD,
      get: method == Method::GET,
      if_match: headers.get(header::IF_MATCH).cloned(),
      if_unmodified_since: headers.get(header::IF_UNMODIFIED_SINCE).cloned(),
      if_none_match: headers.get(header::IF_NONE_MATCH).cloned(),
      if_modified_since: headers.get(header::IF_MODIFIED_SINCE).cloned(),
      range: headers.get(header::RANGE).cloned(),
      if_range: headers.get(header::IF_RANGE).cloned(),
    }
  }
}

/// The response for `file` with the script's `status` and `headers`. Only
/// a 200 is subject to validators and ranges (an error page made of a file
/// keeps its status).
pub fn file_response(
  mut file: OpenFile,
  status: StatusCode,
  mut headers: HeaderMap,
  conditions: &Conditions,
  flow: Arc<Flow>,
) -> Response<ResponseBody> {
  let etag = file.etag();
  let last_modified = file.modified.map(httpdate::fmt_http_date);
  if status == StatusCode::OK {
    headers
      .entry(header::ACCEPT_RANGES)
      .or_insert(HeaderValue::from_static("bytes"));
    headers.entry(header::ETAG).or_insert(etag.clone());
    if let Some(date) = &last_modified
      && let Ok(value) = HeaderValue::try_from(date.as_str())
    {
      headers.entry(header::LAST_MODIFIED).or_insert(value);
    }
    if precondition_failed(&file, &etag, conditions) {
      return bodiless(StatusCode::PRECONDITION_FAILED, headers, &[]);
    }
    if conditions.head_or_get && not_modified(&file, &etag, conditions) {
      return bodiless(StatusCode::NOT_MODIFIED, headers, &[]);
    }
    if conditions.get
      && let Some(range) = &conditions.range
      && if_range_holds(conditions, &etag, last_modified.as_deref())
    {
      match parse_range(range.as_bytes(), file.len) {
        Range::Whole => {}
        Range::Unsatisfiable => {
          let all = format!("bytes */{}", file.len);
          return bodiless(
            StatusCode::RANGE_NOT_SATISFIABLE,
            headers,
            &[(header::CONTENT_RANGE, all)],
          );
        }
        Range::Part(start, end) => {
          let value = format!("bytes {start}-{}/{}", end - 1, file.len);
          if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(header::CONTENT_RANGE, value);
          }
          file.offset += start;
          file.len = end - start;
          return with_body(StatusCode::PARTIAL_CONTENT, headers, file, flow);
        }
      }
    }
  }
  with_body(status, headers, file, flow)
}

fn with_body(
  status: StatusCode,
  headers: HeaderMap,
  file: OpenFile,
  flow: Arc<Flow>,
) -> Response<ResponseBody> {
  let mut response =
    Response::new(ResponseBody::File(FileBody::new(file, flow)));
  *response.status_mut() = status;
  *response.headers_mut() = headers;
  response
}

fn bodiless(
  status: StatusCode,
  mut headers: HeaderMap,
  extra: &[(header::HeaderName, String)],
) -> Response<ResponseBody> {
  // A 304 describes the file without sending it (RFC 9110 §15.4.5).
  headers.remove(header::CONTENT_LENGTH);
  if status == StatusCode::NOT_MODIFIED {
    headers.remove(header::CONTENT_TYPE);
  }
  for (name, value) in extra {
    if let Ok(value) = HeaderValue::try_from(value.as_str()) {
      headers.insert(name.clone(), value);
    }
  }
  let mut response = Response::new(ResponseBody::Empty);
  *response.status_mut() = status;
  *response.headers_mut() = headers;
  response
}

/// RFC 9110 §13.2.2 steps 1-2: If-Match (strong comparison) decides when
/// present; otherwise If-Unmodified-Since.
fn precondition_failed(
  file: &OpenFile,
  etag: &HeaderValue,
  conditions: &Conditions,
) -> bool {
  if let Some(value) = &conditions.if_match {
    let Ok(list) = value.to_str() else {
      return true;
    };
    return !list
      .split(',')
      .map(str::trim)
      .any(|tag| tag == "*" || tag.as_bytes() == etag.as_bytes());
  }
  match (
    http_date(conditions.if_unmodified_since.as_ref()),
    file.modified,
  ) {
    (Some(since), Some(modified)) => seconds(modified) > seconds(since),
    _ => false,
  }
}

/// A header's HTTP date, if it has a valid one.
fn http_date(value: Option<&HeaderValue>) -> Option<SystemTime> {
  value
    .and_then(|v| v.to_str().ok())
    .and_then(|s| httpdate::parse_http_date(s).ok())
}

/// RFC 9110 §13.2.2: If-None-Match decides when present (weak comparison);
/// otherwise If-Modified-Since, at one-second precision.
fn not_modified(
  file: &OpenFile,
  etag: &HeaderValue,
  conditions: &Conditions,
) -> bool {
  if let Some(value) = &conditions.if_none_match {
    return none_match_hits(value, etag);
  }
  match (
    http_date(conditions.if_modified_since.as_ref()),
    file.modified,
  ) {
    (Some(since), Some(modified)) => seconds(modified) <= seconds(since),
    _ => false,
  }
}

/// If-Range (RFC 9110 §13.1.5): the range applies only if the validator
/// still matches, strongly for a tag, exactly for a date.
fn if_range_holds(
  conditions: &Conditions,
  etag: &HeaderValue,
  last_modified: Option<&str>,
) -> bool {
  let Some(value) = &conditions.if_range else {
    return true;
  };
  let Ok(value) = value.to_str() else {
    return false;
  };
  if value.starts_with('"') {
    return value.as_bytes() == etag.as_bytes();
  }
  last_modified == Some(value)
}

fn seconds(time: SystemTime) -> u64 {
  time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A parsed `Range` header, for an entity of a given length.
#[derive(Debug, PartialEq, Eq)]
enum Range {
  /// No usable single range: send everything.
  Whole,
  /// `[start, end)`.
  Part(u64, u64),
  /// No byte of the range exists (416).
  Unsatisfiable,
}

/// RFC 9110 §14.1.2 byte ranges; one range only (more, or another unit,
/// or bad syntax, means the whole entity).
fn parse_range(value: &[u8], len: u64) -> Range {
  let Ok(text) = std::str::from_utf8(value) else {
    return Range::Whole;
  };
  let Some(spec) = text.trim().strip_prefix("bytes=") else {
    return Range::Whole;
  };
  if spec.contains(',') {
    return Range::Whole;
  }
  let Some((first, last)) = spec.trim().split_once('-') else {
    return Range::Whole;
  };
  let number = |s: &str| -> Option<u64> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
      .then(|| s.parse().ok())
      .flatten()
  };
  match (first.trim(), last.trim()) {
    ("", suffix) => match number(suffix) {
      None => Range::Whole,
      Some(0) => Range::Unsatisfiable,
      Some(_) if len == 0 => Range::Unsatisfiable,
      Some(n) => Range::Part(len.saturating_sub(n), len),
    },
    (start, "") => match number(start) {
      None => Range::Whole,
      Some(s) if s >= len => Range::Unsatisfiable,
      Some(s) => Range::Part(s, len),
    },
    (start, end) => match (number(start), number(end)) {
      (Some(s), Some(e)) if s <= e => {
        if s >= len {
          Range::Unsatisfiable
        } else {
          Range::Part(s, e.saturating_add(1).min(len))
        }
      }
      _ => Range::Whole,
    },
  }
}

/// A file's bytes as a response body, read in chunks as hyper asks.
pub struct FileBody {
  state: FileState,
  /// Where the next read starts.
  position: u64,
  remaining: u64,
  flow: Arc<Flow>,
}

/// A chunk read on the blocking pool, and the file handed back.
type Read = tokio::task::JoinHandle<(std::fs::File, std::io::Result<Vec<u8>>)>;

enum FileState {
  /// Between reads (`None` once ended).
  Idle(Option<std::fs::File>),
  Reading(Read),
}

impl FileBody {
  fn new(file: OpenFile, flow: Arc<Flow>) -> Self {
    Self {
      state: FileState::Idle(Some(file.file)),
      position: file.offset,
      remaining: file.len,
      flow,
    }
  }

  /// Bytes still to send.
  pub fn remaining(&self) -> u64 {
    self.remaining
  }

  /// The next chunk, `None` at the end. A file that shrinks under us ends
  /// the body early with an error (the length was already announced).
  pub fn poll_chunk(
    &mut self,
    cx: &mut Context<'_>,
  ) -> Poll<Option<std::io::Result<Bytes>>> {
    loop {
      match &mut self.state {
        FileState::Idle(slot) => {
          if self.remaining == 0 {
            return Poll::Ready(None);
          }
          // No read ahead of the socket: wait while hyper holds enough.
          if self.flow.poll_room_below(cx, READ_AHEAD).is_pending() {
            return Poll::Pending;
          }
          let Some(file) = slot.take() else {
            return Poll::Ready(None);
          };
          let (at, n) = (self.position, self.remaining.min(CHUNK as u64));
          self.state =
            FileState::Reading(tokio::task::spawn_blocking(move || {
              let result = read_at(&file, at, n as usize);
              (file, result)
            }));
        }
        FileState::Reading(read) => {
          let (file, result) = match Pin::new(read).poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Ok(done)) => done,
            Poll::Ready(Err(e)) => {
              self.state = FileState::Idle(None);
              return Poll::Ready(Some(Err(std::io::Error::other(e))));
            }
          };
          self.state = FileState::Idle(Some(file));
          let chunk = match result {
            Ok(chunk) if chunk.is_empty() => {
              self.state = FileState::Idle(None);
              return Poll::Ready(Some(Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file shrank while it was sent",
              ))));
            }
            Ok(chunk) => chunk,
            Err(e) => return Poll::Ready(Some(Err(e))),
          };
          self.position += chunk.len() as u64;
          self.remaining -= chunk.len() as u64;
          self.flow.queued(chunk.len());
          return Poll::Ready(Some(Ok(Bytes::from(chunk))));
        }
      }
    }
  }
}

/// Reads up to `n` bytes at `offset` (pread) into fresh, uninitialised
/// capacity: the page cache is copied once, straight into the chunk hyper
/// writes. Short only at the end of the file.
fn read_at(
  file: &std::fs::File,
  offset: u64,
  n: usize,
) -> std::io::Result<Vec<u8>> {
  use std::os::fd::AsRawFd as _;
  let mut chunk: Vec<u8> = Vec::with_capacity(n);
  let mut filled = 0;
  while filled < n {
    let at = libc::off_t::try_from(offset + filled as u64)
      .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    // SAFETY: the pointer and length describe the vector's spare capacity
    // (`filled < n <= capacity`); the kernel writes into it through a raw
    // pointer, and no reference to uninitialised bytes is made.
    let read = unsafe {
      libc::pread(
        file.as_raw_fd(),
        chunk.as_mut_ptr().add(filled).cast(),
        n - filled,
        at,
      )
    };
    match read {
      0 => break,
      r if r > 0 => filled += r as usize,
      _ => {
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
          return Err(e);
        }
      }
    }
  }
  // SAFETY: pread initialised the first `filled` bytes.
  unsafe { chunk.set_len(filled) };
  Ok(chunk)
}

#[cfg(test)]
mod tests {
  use super::Range;
  use super::parse_range;

  #[test]
  fn ranges_follow_rfc_9110() {
    assert_eq!(parse_range(b"bytes=0-3", 10), Range::Part(0, 4));
    assert_eq!(parse_range(b"bytes=2-", 10), Range::Part(2, 10));
    assert_eq!(parse_range(b"bytes=-3", 10), Range::Part(7, 10));
    assert_eq!(parse_range(b"bytes=-30", 10), Range::Part(0, 10));
    assert_eq!(parse_range(b"bytes=5-100", 10), Range::Part(5, 10));
    assert_eq!(parse_range(b"bytes=10-", 10), Range::Unsatisfiable);
    assert_eq!(parse_range(b"bytes=-0", 10), Range::Unsatisfiable);
    assert_eq!(parse_range(b"bytes=0-1,3-4", 10), Range::Whole);
    assert_eq!(parse_range(b"bytes=3-1", 10), Range::Whole);
    assert_eq!(parse_range(b"items=0-1", 10), Range::Whole);
    assert_eq!(parse_range(b"bytes=a-b", 10), Range::Whole);
    assert_eq!(parse_range(b"bytes=0-0", 0), Range::Unsatisfiable);
  }
}
