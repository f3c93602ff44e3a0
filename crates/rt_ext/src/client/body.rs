//! Request bodies sent by `fetch`, and response bodies read by it
//! (decoded from gzip, deflate, br or zstd unless `decompress: false`).

use std::io;
use std::pin::Pin;
use std::task::Context;
use std::task::Poll;

use async_compression::tokio::bufread::BrotliDecoder;
use async_compression::tokio::bufread::GzipDecoder;
use async_compression::tokio::bufread::ZlibDecoder;
use async_compression::tokio::bufread::ZstdDecoder;
use bytes::Bytes;
use bytes::BytesMut;
use futures::TryStreamExt as _;
use http::HeaderMap;
use http::header;
use http_body::Frame;
use http_body_util::BodyDataStream;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use tokio::io::AsyncRead;
use tokio::io::AsyncReadExt as _;
use tokio::sync::mpsc;
use tokio_util::io::StreamReader;

use super::FetchError;

/// How many request-body chunks may wait for the connection: JS writing a
/// stream body waits beyond that (backpressure).
pub const UPLOAD_CAPACITY: usize = 2;

/// A request body: whole (and so replayable after a redirect) or streamed.
pub enum RequestBody {
  /// All bytes at once.
  Full(Option<Bytes>),
  /// Chunks from JS, sent chunked as they come.
  Stream(mpsc::Receiver<Result<Bytes, io::Error>>),
  /// A stream that was already sent (cannot be replayed).
  StreamSent,
}

impl RequestBody {
  /// No body.
  pub fn empty() -> Self {
    Self::Full(None)
  }

  /// A whole body.
  pub fn full(bytes: Bytes) -> Self {
    if bytes.is_empty() {
      Self::Full(None)
    } else {
      Self::Full(Some(bytes))
    }
  }

  /// A streamed body and the sender JS writes into.
  pub fn channel() -> (mpsc::Sender<Result<Bytes, io::Error>>, Self) {
    let (tx, rx) = mpsc::channel(UPLOAD_CAPACITY);
    (tx, Self::Stream(rx))
  }

  /// Whether this body was a stream.
  pub fn is_stream(&self) -> bool {
    matches!(self, Self::Stream(_) | Self::StreamSent)
  }

  /// The body to send now, and what stays for a possible redirect.
  pub fn take_for_send(&mut self) -> (Self, Self) {
    match std::mem::replace(self, Self::StreamSent) {
      Self::Full(bytes) => (Self::Full(bytes.clone()), Self::Full(bytes)),
      other => (other, Self::StreamSent),
    }
  }
}

impl http_body::Body for RequestBody {
  type Data = Bytes;
  type Error = io::Error;

  fn poll_frame(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
    match self.get_mut() {
      Self::Full(bytes) => {
        Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b))))
      }
      Self::Stream(rx) => rx
        .poll_recv(cx)
        .map(|chunk| chunk.map(|r| r.map(Frame::data))),
      Self::StreamSent => Poll::Ready(None),
    }
  }

  fn is_end_stream(&self) -> bool {
    matches!(self, Self::Full(None) | Self::StreamSent)
  }

  fn size_hint(&self) -> http_body::SizeHint {
    match self {
      Self::Full(Some(b)) => http_body::SizeHint::with_exact(b.len() as u64),
      Self::Full(None) | Self::StreamSent => http_body::SizeHint::with_exact(0),
      Self::Stream(_) => http_body::SizeHint::default(),
    }
  }
}

type Decoder = Box<dyn AsyncRead + Unpin + Send>;

/// A response body, read chunk by chunk as JS pulls (no read-ahead beyond
/// hyper's own buffers: a slow reader slows the download).
pub enum ResponseStream {
  /// Bytes as sent.
  Plain(Incoming),
  /// Bytes as sent, after a first chunk already taken from the body.
  Prefixed(Option<Bytes>, Incoming),
  /// The body failed while it was being looked at.
  Failed(String),
  /// The whole body, already received.
  Whole(Option<Bytes>),
  /// Decoded from a content coding.
  Decoded(Decoder),
}

/// Size of one decoded read.
const DECODE_CHUNK: usize = 64 * 1024;

impl ResponseStream {
  /// Wraps a body, decoding it when `decompress` and the coding is known.
  pub fn new(body: Incoming, headers: &HeaderMap, decompress: bool) -> Self {
    let coding = headers
      .get(header::CONTENT_ENCODING)
      .and_then(|v| v.to_str().ok())
      .map(|v| v.trim().to_ascii_lowercase());
    let Some(coding) = coding.filter(|_| decompress) else {
      return Self::Plain(body);
    };
    let known = matches!(
      coding.as_str(),
      "gzip" | "x-gzip" | "deflate" | "br" | "zstd"
    );
    if !known {
      return Self::Plain(body);
    }
    let reader =
      StreamReader::new(BodyDataStream::new(body).map_err(io::Error::other));
    Self::Decoded(match coding.as_str() {
      "deflate" => Box::new(ZlibDecoder::new(reader)),
      "br" => Box::new(BrotliDecoder::new(reader)),
      "zstd" => Box::new(ZstdDecoder::new(reader)),
      _ => Box::new(GzipDecoder::new(reader)),
    })
  }

  /// Whether the whole body is here: when it is plain, at most `limit`
  /// bytes long and already received (it usually arrives with the head), it
  /// becomes [`Self::Whole`] and JS can take it without another async op.
  /// Otherwise the stream is left to read as usual.
  pub fn receive_whole(&mut self, limit: u64) -> bool {
    match self.take_if_received(limit) {
      Some(bytes) => {
        *self = Self::Whole(Some(bytes));
        true
      }
      None => false,
    }
  }

  /// The whole body if [`Self::receive_whole`] found it.
  pub fn take_whole(&mut self) -> Option<Bytes> {
    match self {
      Self::Whole(bytes) => Some(bytes.take().unwrap_or_default()),
      _ => None,
    }
  }

  fn take_if_received(&mut self, limit: u64) -> Option<Bytes> {
    use futures::FutureExt as _;
    use http_body::Body as _;
    let Self::Plain(body) = self else {
      return None;
    };
    if body.is_end_stream() {
      return Some(Bytes::new());
    }
    if body.size_hint().exact()? > limit {
      return None;
    }
    // Pending: nothing was consumed, the stream stays as it was.
    let polled = body.frame().now_or_never()?;
    let taken = std::mem::replace(self, Self::Failed(String::new()));
    let Self::Plain(body) = taken else {
      return None;
    };
    match polled {
      None => Some(Bytes::new()),
      Some(Err(e)) => {
        *self = Self::Failed(e.to_string());
        None
      }
      Some(Ok(frame)) => {
        let data = frame.into_data().unwrap_or_default();
        if body.is_end_stream() {
          Some(data)
        } else {
          *self = Self::Prefixed(Some(data), body);
          None
        }
      }
    }
  }

  /// The next chunk, or `None` at the end.
  pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, FetchError> {
    match self {
      Self::Failed(message) => Err(FetchError::Reset(message.clone())),
      Self::Whole(bytes) => Ok(bytes.take().filter(|b| !b.is_empty())),
      Self::Prefixed(first, body) => match first.take() {
        Some(first) if !first.is_empty() => Ok(Some(first)),
        _ => next_data(body).await,
      },
      Self::Plain(body) => next_data(body).await,
      Self::Decoded(decoder) => {
        let mut buf = BytesMut::with_capacity(DECODE_CHUNK);
        let n = decoder.read_buf(&mut buf).await.map_err(|e| {
          FetchError::Other(format!("Decompression failed: {e}"))
        })?;
        Ok((n > 0).then(|| buf.freeze()))
      }
    }
  }
}

/// The next non-empty data frame of a plain body; `None` at the end.
async fn next_data(body: &mut Incoming) -> Result<Option<Bytes>, FetchError> {
  loop {
    match body.frame().await {
      None => return Ok(None),
      Some(Err(e)) => return Err(FetchError::Reset(e.to_string())),
      Some(Ok(frame)) => {
        if let Ok(data) = frame.into_data()
          && !data.is_empty()
        {
          return Ok(Some(data));
        }
      }
    }
  }
}
