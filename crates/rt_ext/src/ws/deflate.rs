//! permessage-deflate (RFC 7692) for server sockets.
//!
//! tokio-tungstenite has no extension support and rejects frames with RSV1
//! set, so compression lives one layer below it: [`DeflateIo`] sits between
//! the connection and tungstenite and transcodes frames. Compressed frames
//! coming in are inflated and handed on as plain (masked) frames; data
//! frames tungstenite writes are deflated and marked with RSV1 on the way
//! out. Frames that break the extension's rules (RSV1 on a control frame or
//! a continuation) pass through untouched, so tungstenite fails them
//! (1002) as it would without the extension.

use std::io;
use std::pin::Pin;
use std::task::Context;
use std::task::Poll;
use std::task::ready;

use bytes::Buf as _;
use bytes::BytesMut;
use flate2::Compress;
use flate2::Compression;
use flate2::Decompress;
use flate2::FlushCompress;
use flate2::FlushDecompress;
use tokio::io::AsyncRead;
use tokio::io::AsyncWrite;
use tokio::io::ReadBuf;

/// What the handshake agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeflateParams {
  /// Reset our compressor after each message.
  pub server_no_context_takeover: bool,
  /// The client resets its compressor after each message.
  pub client_no_context_takeover: bool,
  /// Our LZ77 window (9-15).
  pub server_max_window_bits: u8,
}

/// RFC 7692 §5/§7: picks the first `permessage-deflate` offer in a
/// `Sec-WebSocket-Extensions` header that rt can honour; returns the
/// parameters and the response header value.
pub fn negotiate(offers: &str) -> Option<(DeflateParams, String)> {
  'offers: for offer in offers.split(',') {
    let mut parts = offer.split(';').map(str::trim);
    if parts.next() != Some("permessage-deflate") {
      continue;
    }
    let mut params = DeflateParams {
      server_no_context_takeover: false,
      client_no_context_takeover: false,
      server_max_window_bits: 15,
    };
    let mut seen = Vec::new();
    let mut response = String::from("permessage-deflate");
    for part in parts {
      let (name, value) = match part.split_once('=') {
        Some((n, v)) => (n.trim(), Some(v.trim().trim_matches('"'))),
        None => (part, None),
      };
      // §7: a parameter given twice invalidates the offer.
      if seen.contains(&name) {
        continue 'offers;
      }
      seen.push(name);
      let bits = |v: Option<&str>| -> Option<u8> {
        let n: u8 = v?.parse().ok()?;
        (8..=15).contains(&n).then_some(n)
      };
      match (name, value) {
        ("server_no_context_takeover", None) => {
          params.server_no_context_takeover = true;
          response.push_str("; server_no_context_takeover");
        }
        ("client_no_context_takeover", None) => {
          params.client_no_context_takeover = true;
          response.push_str("; client_no_context_takeover");
        }
        ("server_max_window_bits", v) => {
          let Some(n) = bits(v) else { continue 'offers };
          // zlib cannot make raw deflate streams with an 8-bit window.
          if n == 8 {
            continue 'offers;
          }
          params.server_max_window_bits = n;
          response.push_str(&format!("; server_max_window_bits={n}"));
        }
        // We inflate with the largest window, which reads any stream; the
        // hint needs no answer.
        ("client_max_window_bits", None) => {}
        ("client_max_window_bits", v) => {
          if bits(v).is_none() {
            continue 'offers;
          }
        }
        _ => continue 'offers,
      }
    }
    return Some((params, response));
  }
  None
}

/// The tail every deflated message ends with, removed on the wire (§7.2.1).
const TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// A parsed frame head.
struct Head {
  fin: bool,
  rsv: u8,
  opcode: u8,
  mask: Option<[u8; 4]>,
  header_len: usize,
  payload_len: usize,
}

/// Parses a frame head from `buf`, if it is all there.
fn parse_head(buf: &[u8]) -> Option<Head> {
  if buf.len() < 2 {
    return None;
  }
  let (b0, b1) = (buf[0], buf[1]);
  let mut at = 2;
  let len = match b1 & 0x7f {
    126 => {
      let bytes = buf.get(2..4)?;
      at = 4;
      u64::from(u16::from_be_bytes([bytes[0], bytes[1]]))
    }
    127 => {
      let bytes: [u8; 8] = buf.get(2..10)?.try_into().ok()?;
      at = 10;
      u64::from_be_bytes(bytes)
    }
    n => u64::from(n),
  };
  let mask = if b1 & 0x80 != 0 {
    let key: [u8; 4] = buf.get(at..at + 4)?.try_into().ok()?;
    at += 4;
    Some(key)
  } else {
    None
  };
  Some(Head {
    fin: b0 & 0x80 != 0,
    rsv: (b0 >> 4) & 0x7,
    opcode: b0 & 0x0f,
    mask,
    header_len: at,
    // Absurd lengths are left for tungstenite to refuse (1009).
    payload_len: usize::try_from(len).unwrap_or(usize::MAX),
  })
}

/// Writes a frame head.
fn push_head(
  out: &mut BytesMut,
  fin: bool,
  rsv1: bool,
  opcode: u8,
  masked: bool,
  len: usize,
) {
  out.extend_from_slice(&[(u8::from(fin) << 7)
    | (u8::from(rsv1) << 6)
    | opcode]);
  let mask_bit = if masked { 0x80 } else { 0 };
  if len < 126 {
    out.extend_from_slice(&[mask_bit | len as u8]);
  } else if len <= usize::from(u16::MAX) {
    out.extend_from_slice(&[mask_bit | 126]);
    out.extend_from_slice(&(len as u16).to_be_bytes());
  } else {
    out.extend_from_slice(&[mask_bit | 127]);
    out.extend_from_slice(&(len as u64).to_be_bytes());
  }
  if masked {
    // A zero key leaves the payload as it is.
    out.extend_from_slice(&[0, 0, 0, 0]);
  }
}

/// Runs `data` through a (de)compressor until it is consumed and the
/// output is drained.
fn inflate(
  inflater: &mut Decompress,
  mut data: &[u8],
  out: &mut Vec<u8>,
  cap: usize,
) -> io::Result<()> {
  loop {
    if out.len() >= cap {
      return Ok(());
    }
    out.reserve((data.len() * 4).clamp(256, 64 * 1024));
    let before_in = inflater.total_in();
    let before_out = inflater.total_out();
    inflater
      .decompress_vec(data, out, FlushDecompress::Sync)
      .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
    let consumed = (inflater.total_in() - before_in) as usize;
    let produced = inflater.total_out() - before_out;
    data = &data[consumed..];
    if data.is_empty() && out.len() < out.capacity() {
      return Ok(());
    }
    if consumed == 0 && produced == 0 && out.len() < out.capacity() {
      return Ok(());
    }
  }
}

fn deflate(
  compressor: &mut Compress,
  mut data: &[u8],
  out: &mut Vec<u8>,
) -> io::Result<()> {
  loop {
    out.reserve(data.len() / 2 + 64);
    let before_in = compressor.total_in();
    compressor
      .compress_vec(data, out, FlushCompress::Sync)
      .map_err(io::Error::other)?;
    data = &data[(compressor.total_in() - before_in) as usize..];
    // Done when all input is in and the flush did not fill the buffer.
    if data.is_empty() && out.len() < out.capacity() {
      return Ok(());
    }
  }
}

/// The transcoding connection (see the module docs).
pub struct DeflateIo<S> {
  inner: S,
  params: DeflateParams,
  /// Largest inflated message handed to tungstenite (it then refuses it).
  max_message: usize,
  inflater: Decompress,
  compressor: Compress,
  /// Raw bytes read and not yet transcoded.
  raw_in: BytesMut,
  /// Transcoded bytes for tungstenite.
  plain_in: BytesMut,
  /// Inside a compressed incoming message (its continuations follow).
  inflating: bool,
  /// Inflated bytes of the current incoming message.
  inflated_len: usize,
  /// Bytes tungstenite wrote, not yet transcoded.
  plain_out: BytesMut,
  /// Transcoded bytes for the connection.
  raw_out: BytesMut,
  /// Inside an outgoing fragmented message (not produced by rt today).
  deflating: bool,
  /// Bytes of a frame being passed through untouched still to come.
  pass_through: usize,
}

impl<S> DeflateIo<S> {
  /// Wraps a connection on which `params` were agreed.
  pub fn new(inner: S, params: DeflateParams, max_message: usize) -> Self {
    Self {
      inner,
      params,
      max_message,
      inflater: Decompress::new(false),
      compressor: Compress::new_with_window_bits(
        Compression::fast(),
        false,
        params.server_max_window_bits,
      ),
      raw_in: BytesMut::new(),
      plain_in: BytesMut::new(),
      inflating: false,
      inflated_len: 0,
      plain_out: BytesMut::new(),
      raw_out: BytesMut::new(),
      deflating: false,
      pass_through: 0,
    }
  }

  /// Transcodes every complete incoming frame in `raw_in`.
  fn decode_frames(&mut self) -> io::Result<()> {
    if self.pass_through > 0 {
      let take = self.pass_through.min(self.raw_in.len());
      self.plain_in.extend_from_slice(&self.raw_in.split_to(take));
      self.pass_through -= take;
      if self.pass_through > 0 {
        return Ok(());
      }
    }
    while let Some(head) = parse_head(&self.raw_in) {
      let data_frame = head.opcode == 0x1 || head.opcode == 0x2;
      let compressed_start = data_frame && head.rsv == 0b100 && !self.inflating;
      let continuation = head.opcode == 0x0 && head.rsv == 0 && self.inflating;
      if !compressed_start && !continuation {
        // Control frames, plain messages and rule breakers: as they are.
        let total = head.header_len.saturating_add(head.payload_len);
        if self.raw_in.len() < total {
          // Pass on what is here (a big plain frame streams through; an
          // oversized one is refused by tungstenite from its head alone).
          let take = self.raw_in.len();
          self.plain_in.extend_from_slice(&self.raw_in.split_to(take));
          self.pass_through = total - take;
          return Ok(());
        }
        self
          .plain_in
          .extend_from_slice(&self.raw_in.split_to(total));
        continue;
      }
      let total = head.header_len.saturating_add(head.payload_len);
      if self.raw_in.len() < total {
        return Ok(());
      }
      let mut frame = self.raw_in.split_to(total);
      frame.advance(head.header_len);
      if let Some(key) = head.mask {
        for (i, byte) in frame.iter_mut().enumerate() {
          *byte ^= key[i % 4];
        }
      }
      if compressed_start {
        self.inflating = true;
        self.inflated_len = 0;
      }
      let cap = self
        .max_message
        .saturating_add(1)
        .saturating_sub(self.inflated_len);
      let mut out = Vec::new();
      inflate(&mut self.inflater, &frame, &mut out, cap)?;
      if head.fin {
        inflate(&mut self.inflater, &TAIL, &mut out, cap)?;
        self.inflating = false;
        if self.params.client_no_context_takeover {
          self.inflater.reset(false);
        }
      }
      self.inflated_len += out.len();
      let mut plain = BytesMut::with_capacity(out.len() + 14);
      push_head(&mut plain, head.fin, false, head.opcode, true, out.len());
      plain.extend_from_slice(&out);
      self.plain_in.extend_from_slice(&plain);
    }
    Ok(())
  }

  /// Transcodes every complete outgoing frame in `plain_out`.
  fn encode_frames(&mut self) -> io::Result<()> {
    while let Some(head) = parse_head(&self.plain_out) {
      let total = head.header_len.saturating_add(head.payload_len);
      if self.plain_out.len() < total {
        return Ok(());
      }
      let mut frame = self.plain_out.split_to(total);
      let compress = (head.opcode == 0x1 || head.opcode == 0x2)
        && !self.deflating
        || (head.opcode == 0x0 && self.deflating);
      if !compress {
        self.raw_out.extend_from_slice(&frame);
        continue;
      }
      let first = !self.deflating;
      frame.advance(head.header_len);
      let mut out = Vec::new();
      deflate(&mut self.compressor, &frame, &mut out)?;
      if head.fin {
        if out.ends_with(&TAIL) {
          out.truncate(out.len() - TAIL.len());
        }
        self.deflating = false;
        if self.params.server_no_context_takeover {
          self.compressor.reset();
        }
      } else {
        self.deflating = true;
      }
      push_head(
        &mut self.raw_out,
        head.fin,
        first,
        head.opcode,
        head.mask.is_some(),
        out.len(),
      );
      self.raw_out.extend_from_slice(&out);
    }
    Ok(())
  }
}

/// Outgoing bytes buffered before writes wait for the connection.
const MAX_RAW_OUT: usize = 256 * 1024;

impl<S: AsyncWrite + Unpin> DeflateIo<S> {
  /// Writes buffered output; `Pending` when the connection is full.
  fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
    while !self.raw_out.is_empty() {
      let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.raw_out))?;
      if n == 0 {
        return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
      }
      self.raw_out.advance(n);
    }
    Poll::Ready(Ok(()))
  }
}

impl<S: AsyncRead + Unpin> AsyncRead for DeflateIo<S> {
  fn poll_read(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
  ) -> Poll<io::Result<()>> {
    let this = self.get_mut();
    loop {
      if !this.plain_in.is_empty() {
        let n = this.plain_in.len().min(buf.remaining());
        buf.put_slice(&this.plain_in.split_to(n));
        return Poll::Ready(Ok(()));
      }
      let mut chunk = [0u8; 16 * 1024];
      let mut read = ReadBuf::new(&mut chunk);
      ready!(Pin::new(&mut this.inner).poll_read(cx, &mut read))?;
      if read.filled().is_empty() {
        // EOF: a half frame left over is tungstenite's to report.
        let rest = this.raw_in.split();
        buf.put_slice(&rest[..rest.len().min(buf.remaining())]);
        return Poll::Ready(Ok(()));
      }
      this.raw_in.extend_from_slice(read.filled());
      this.decode_frames()?;
    }
  }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for DeflateIo<S> {
  fn poll_write(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
    data: &[u8],
  ) -> Poll<io::Result<usize>> {
    let this = self.get_mut();
    if this.raw_out.len() >= MAX_RAW_OUT {
      ready!(this.poll_drain(cx))?;
    }
    this.plain_out.extend_from_slice(data);
    this.encode_frames()?;
    // Start writing; what does not fit waits for flush.
    let _ = this.poll_drain(cx)?;
    Poll::Ready(Ok(data.len()))
  }

  fn poll_flush(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<io::Result<()>> {
    let this = self.get_mut();
    ready!(this.poll_drain(cx))?;
    Pin::new(&mut this.inner).poll_flush(cx)
  }

  fn poll_shutdown(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<io::Result<()>> {
    let this = self.get_mut();
    ready!(this.poll_drain(cx))?;
    Pin::new(&mut this.inner).poll_shutdown(cx)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn offers_are_negotiated_per_rfc_7692() {
    let (p, header) =
      negotiate("permessage-deflate; client_max_window_bits").unwrap();
    assert_eq!(header, "permessage-deflate");
    assert_eq!(p.server_max_window_bits, 15);
    let (p, header) =
      negotiate("permessage-deflate; server_no_context_takeover; server_max_window_bits=9").unwrap();
    assert!(p.server_no_context_takeover);
    assert_eq!(p.server_max_window_bits, 9);
    assert_eq!(
      header,
      "permessage-deflate; server_no_context_takeover; server_max_window_bits=9"
    );
    // Invalid offers are skipped for the next one.
    let (_, header) = negotiate(
      "permessage-deflate; server_max_window_bits=20, permessage-deflate; client_no_context_takeover",
    )
    .unwrap();
    assert_eq!(header, "permessage-deflate; client_no_context_takeover");
    assert!(negotiate("permessage-deflate; unknown=1").is_none());
    assert!(negotiate("permessage-deflate; server_no_context_takeover; server_no_context_takeover").is_none());
    assert!(negotiate("x-webkit-deflate-frame").is_none());
  }

  #[test]
  fn frames_round_trip_through_the_codec() {
    let params = DeflateParams {
      server_no_context_takeover: false,
      client_no_context_takeover: false,
      server_max_window_bits: 15,
    };
    let mut io = DeflateIo::new((), params, 1 << 20);
    // Outgoing: a text frame as tungstenite writes it (unmasked).
    let message = b"hello hello hello hello";
    let mut plain = BytesMut::new();
    push_head(&mut plain, true, false, 0x1, false, message.len());
    plain.extend_from_slice(message);
    io.plain_out.extend_from_slice(&plain);
    io.encode_frames().unwrap();
    let wire = io.raw_out.split();
    let head = parse_head(&wire).unwrap();
    assert_eq!((head.rsv, head.opcode, head.fin), (0b100, 0x1, true));
    assert!(head.payload_len < message.len());
    // Incoming: the same compressed frame, masked as a client sends it.
    let mut masked = BytesMut::new();
    let payload = &wire[head.header_len..];
    let key = [1, 2, 3, 4];
    masked.extend_from_slice(&[0xc1, 0x80 | payload.len() as u8]);
    masked.extend_from_slice(&key);
    masked.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
    io.raw_in.extend_from_slice(&masked);
    io.decode_frames().unwrap();
    let plain_in = io.plain_in.split();
    let head = parse_head(&plain_in).unwrap();
    assert_eq!((head.rsv, head.opcode), (0, 0x1));
    assert_eq!(&plain_in[head.header_len..], message);
  }
}
