//! Files read for responses: a file (or a slice of it) opened off the
//! event loop, and its bytes streamed to the socket in chunks as it drains
//! (paced by the connection's [`Flow`], as JS streams are), never copied
//! through JS. What is sent (validators, ranges) is `file_response.rs`'s.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Context;
use std::task::Poll;
use std::time::SystemTime;
use std::time::UNIX_EPOCH;

use bytes::Bytes;
use http::HeaderValue;

use super::flow::Flow;

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
  pub fn etag(&self) -> HeaderValue {
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

  /// The entity's length in bytes (the slice's, for a slice).
  pub fn size(&self) -> u64 {
    self.len
  }

  /// When the file last changed, if the file system says.
  pub fn modified(&self) -> Option<SystemTime> {
    self.modified
  }

  /// Narrows the entity to `[start, end)` of itself (a range request).
  pub fn narrow(&mut self, start: u64, end: u64) {
    let start = start.min(self.len);
    let end = end.clamp(start, self.len);
    self.offset += start;
    self.len = end - start;
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
  /// Streams `file`, paced by `flow`.
  pub fn new(file: OpenFile, flow: Arc<Flow>) -> Self {
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
