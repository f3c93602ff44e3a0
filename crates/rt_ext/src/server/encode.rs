//! Content codings (gzip, deflate, brotli, zstd) as streaming encoders,
//! and a body compressed as it streams, whatever body it wraps.

use bytes::Bytes;
use http::HeaderMap;

/// A content coding rt can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
  /// Brotli (`br`).
  Br,
  /// Zstandard (`zstd`).
  Zstd,
  /// gzip (`gzip`).
  Gzip,
  /// zlib-wrapped deflate (HTTP's `deflate`).
  Deflate,
}

impl Encoding {
  /// The `Content-Encoding` token.
  pub fn token(self) -> &'static str {
    match self {
      Self::Br => "br",
      Self::Zstd => "zstd",
      Self::Gzip => "gzip",
      Self::Deflate => "deflate",
    }
  }

  /// Parses a token (`"br"`, ...).
  pub fn from_token(token: &str) -> Option<Self> {
    match token {
      "br" => Some(Self::Br),
      "zstd" => Some(Self::Zstd),
      "gzip" => Some(Self::Gzip),
      "deflate" => Some(Self::Deflate),
      _ => None,
    }
  }

  /// The encoding's slot in per-encoding caches.
  pub fn index(self) -> usize {
    self as usize
  }
}

/// `bytes` compressed whole.
pub fn compress_all(
  encoding: Encoding,
  level: Option<u32>,
  bytes: &[u8],
) -> Vec<u8> {
  let mut encoder = Encoder::new(encoding, level);
  let mut out = encoder.chunk(bytes, false);
  out.extend_from_slice(&encoder.finish());
  out
}

/// A streaming encoder writing into a buffer that is drained per chunk.
pub enum Encoder {
  /// gzip.
  Gzip(flate2::write::GzEncoder<Vec<u8>>),
  /// zlib (HTTP deflate).
  Deflate(flate2::write::ZlibEncoder<Vec<u8>>),
  /// Brotli.
  Br(Box<brotli::CompressorWriter<Vec<u8>>>),
  /// Zstandard.
  Zstd(zstd::stream::write::Encoder<'static, Vec<u8>>),
  /// Finished (or failed).
  Done,
}

impl Encoder {
  /// An encoder for `encoding` at `level` (each codec's own scale), or
  /// at the level rt picks for on-the-fly compression.
  pub fn new(encoding: Encoding, level: Option<u32>) -> Self {
    match encoding {
      Encoding::Gzip => Self::Gzip(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::new(level.unwrap_or(6).min(9)),
      )),
      Encoding::Deflate => Self::Deflate(flate2::write::ZlibEncoder::new(
        Vec::new(),
        flate2::Compression::new(level.unwrap_or(6).min(9)),
      )),
      // Quality 4: the usual choice for on-the-fly brotli (11 is for
      // precompressed assets and costs ~50× the CPU).
      Encoding::Br => Self::Br(Box::new(brotli::CompressorWriter::new(
        Vec::new(),
        4096,
        level.unwrap_or(4).min(11),
        22,
      ))),
      Encoding::Zstd => zstd::stream::write::Encoder::new(
        Vec::new(),
        level.map_or(3, |l| l.min(19) as i32),
      )
      .map_or(Self::Done, Self::Zstd),
    }
  }

  /// Compresses `data`; with `flush`, everything so far is made decodable
  /// now (a sync flush), at some cost in ratio.
  pub fn chunk(&mut self, data: &[u8], flush: bool) -> Vec<u8> {
    fn run<W: std::io::Write>(w: &mut W, data: &[u8], flush: bool) -> bool {
      w.write_all(data).is_ok() && (!flush || w.flush().is_ok())
    }
    let ok = match self {
      Self::Gzip(e) => run(e, data, flush),
      Self::Deflate(e) => run(e, data, flush),
      Self::Br(e) => run(e.as_mut(), data, flush),
      Self::Zstd(e) => run(e, data, flush),
      Self::Done => false,
    };
    if !ok {
      *self = Self::Done;
    }
    self.buffer().map(std::mem::take).unwrap_or_default()
  }

  /// Ends the stream: the encoder's last bytes.
  pub fn finish(&mut self) -> Vec<u8> {
    match std::mem::replace(self, Self::Done) {
      Self::Gzip(e) => e.finish().unwrap_or_default(),
      Self::Deflate(e) => e.finish().unwrap_or_default(),
      Self::Br(e) => e.into_inner(),
      Self::Zstd(e) => e.finish().unwrap_or_default(),
      Self::Done => Vec::new(),
    }
  }

  fn buffer(&mut self) -> Option<&mut Vec<u8>> {
    match self {
      Self::Gzip(e) => Some(e.get_mut()),
      Self::Deflate(e) => Some(e.get_mut()),
      Self::Br(e) => Some(e.get_mut()),
      Self::Zstd(e) => Some(e.get_mut()),
      Self::Done => None,
    }
  }
}

/// A streamed body compressed as it goes: each chunk is flushed so the
/// client can decode it at once; trailers follow the encoder's last bytes.
pub struct CompressedBody<B> {
  inner: B,
  encoder: Encoder,
  trailers: Option<HeaderMap>,
  ended: bool,
}

impl<B> CompressedBody<B>
where
  B: http_body::Body<Data = Bytes> + Unpin,
{
  /// Compresses `inner` with `encoder`.
  pub fn new(inner: B, encoder: Encoder) -> Self {
    Self {
      inner,
      encoder,
      trailers: None,
      ended: false,
    }
  }

  /// The next frame of compressed output.
  pub fn poll_frame(
    &mut self,
    cx: &mut std::task::Context<'_>,
  ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, B::Error>>> {
    use http_body::Frame;
    use std::task::Poll;
    loop {
      if self.ended {
        return Poll::Ready(
          self.trailers.take().map(|t| Ok(Frame::trailers(t))),
        );
      }
      match std::pin::Pin::new(&mut self.inner).poll_frame(cx) {
        Poll::Pending => return Poll::Pending,
        Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
        Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
          Ok(data) => {
            let out = self.encoder.chunk(&data, true);
            if !out.is_empty() {
              return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
            }
          }
          Err(frame) => {
            // Trailers end the body: finish the encoding first.
            self.trailers = frame.into_trailers().ok();
            self.ended = true;
            let out = self.encoder.finish();
            if !out.is_empty() {
              return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
            }
          }
        },
        Poll::Ready(None) => {
          self.ended = true;
          let out = self.encoder.finish();
          if !out.is_empty() {
            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))));
          }
        }
      }
    }
  }
}

#[cfg(test)]
mod tests {
  use std::io::Write as _;

  use super::*;

  #[test]
  fn flushed_chunks_decode_as_they_come() {
    let mut e = Encoder::new(Encoding::Gzip, None);
    let first = e.chunk(b"event one\n\n", true);
    let mut d = flate2::write::GzDecoder::new(Vec::new());
    d.write_all(&first).unwrap();
    d.flush().unwrap();
    assert_eq!(d.get_ref().as_slice(), b"event one\n\n");
  }
}
