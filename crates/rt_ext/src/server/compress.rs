//! Response compression, an rt extension (`Bun.serve({ compression })`):
//! the encoding is negotiated from `Accept-Encoding` (RFC 9110 §12.5.3) in
//! the server's order of preference; small, already-encoded, `no-transform`
//! and incompressible bodies are left alone; streamed bodies are compressed
//! chunk by chunk with a flush after each, so an SSE event still arrives at
//! once. `Vary: Accept-Encoding` goes on every response whose type could be
//! compressed.

use bytes::Bytes;
use http::HeaderMap;
use http::HeaderValue;
use http::Response;
use http::StatusCode;
use http::header;

use super::body::ResponseBody;
use super::encode::CompressedBody;
use super::encode::Encoder;
use super::encode::Encoding;
use super::encode::compress_all;

/// A server's compression settings.
#[derive(Debug, Clone)]
pub struct Compression {
  /// Offered encodings, most preferred first.
  pub encodings: Vec<Encoding>,
  /// Complete bodies smaller than this are sent as they are.
  pub threshold: u64,
  /// Encoder level (each codec's own scale), or its default.
  pub level: Option<u32>,
}

impl Compression {
  /// The encoding to use for a request's `Accept-Encoding`, if any: the
  /// first of ours the client accepts with a non-zero weight (`*` counts).
  pub fn negotiate(&self, accept: Option<&HeaderValue>) -> Option<Encoding> {
    let accept = accept?.to_str().ok()?;
    let weight_of = |token: &str| -> Option<f32> {
      let mut star = None;
      for item in accept.split(',') {
        let mut parts = item.split(';');
        let name = parts.next()?.trim().to_ascii_lowercase();
        let q = parts
          .find_map(|p| p.trim().strip_prefix("q="))
          .and_then(|q| q.trim().parse::<f32>().ok())
          .unwrap_or(1.0);
        if name == token {
          return Some(q);
        }
        if name == "*" {
          star = Some(q);
        }
      }
      star
    };
    self
      .encodings
      .iter()
      .copied()
      .find(|e| weight_of(e.token()).is_some_and(|q| q > 0.0))
  }

  /// Compresses `response` with `encoding` when it is worth it and allowed.
  /// A static route passes its `cache`, so its body is compressed once.
  pub fn apply(
    &self,
    encoding: Option<Encoding>,
    mut response: Response<ResponseBody>,
    cache: Option<&StaticCache>,
  ) -> Response<ResponseBody> {
    if !compressible(response.status(), response.headers()) {
      return response;
    }
    add_vary(response.headers_mut());
    let Some(encoding) = encoding else {
      return response;
    };
    let worth_it = match response.body() {
      ResponseBody::Full(Some(bytes)) => bytes.len() as u64 >= self.threshold,
      ResponseBody::Stream(..) | ResponseBody::Piped(_) => true,
      // Files keep their ranges and validators; empty bodies stay empty.
      ResponseBody::File(_)
      | ResponseBody::Empty
      | ResponseBody::Full(None) => false,
      ResponseBody::Compressed(..) => false,
    };
    if !worth_it {
      return response;
    }
    let headers = response.headers_mut();
    headers.insert(
      header::CONTENT_ENCODING,
      HeaderValue::from_static(encoding.token()),
    );
    headers.remove(header::CONTENT_LENGTH);
    // The bytes differ from the identity representation's: a strong tag
    // would claim they are the same (RFC 9110 §8.8.3).
    if let Some(tag) = headers.get(header::ETAG).cloned()
      && !tag.as_bytes().starts_with(b"W/")
      && let Ok(weak) =
        HeaderValue::from_bytes(&[b"W/", tag.as_bytes()].concat())
    {
      headers.insert(header::ETAG, weak);
    }
    // A HEAD answer carries the length GET would send, so it is encoded too
    // (hyper sends no body for HEAD).
    let level = self.level;
    response.map(|body| match body {
      ResponseBody::Full(Some(bytes)) => match cache {
        Some(cache) => ResponseBody::full(self.cached(encoding, &bytes, cache)),
        None => ResponseBody::full(compress_all(encoding, level, &bytes)),
      },
      other => ResponseBody::Compressed(Box::new(CompressedBody::new(
        other,
        Encoder::new(encoding, level),
      ))),
    })
  }

  /// A static route's body compressed once per encoding, from `cache`.
  fn cached(
    &self,
    encoding: Encoding,
    body: &Bytes,
    cache: &StaticCache,
  ) -> Bytes {
    cache.0[encoding.index()]
      .get_or_init(|| Bytes::from(compress_all(encoding, self.level, body)))
      .clone()
  }
}

/// Compressed copies of a static route's body, one per encoding.
#[derive(Debug, Default)]
pub struct StaticCache([std::sync::OnceLock<Bytes>; 4]);

/// Whether a response may be compressed at all: a status with a body, no
/// encoding yet, no `no-transform`, and a type that compresses (text,
/// JSON, JavaScript, XML, SVG, WebAssembly...).
fn compressible(status: StatusCode, headers: &HeaderMap) -> bool {
  if status.is_informational()
    || status == StatusCode::NO_CONTENT
    || status == StatusCode::NOT_MODIFIED
    || status == StatusCode::PARTIAL_CONTENT
    || headers.contains_key(header::CONTENT_ENCODING)
    || headers.contains_key(header::CONTENT_RANGE)
  {
    return false;
  }
  let no_transform = headers.get_all(header::CACHE_CONTROL).iter().any(|v| {
    v.to_str()
      .is_ok_and(|v| v.to_ascii_lowercase().contains("no-transform"))
  });
  if no_transform {
    return false;
  }
  let Some(kind) = headers
    .get(header::CONTENT_TYPE)
    .and_then(|v| v.to_str().ok())
  else {
    return false;
  };
  let essence = kind
    .split(';')
    .next()
    .unwrap_or("")
    .trim()
    .to_ascii_lowercase();
  essence.starts_with("text/")
    || matches!(
      essence.as_str(),
      "application/json"
        | "application/javascript"
        | "application/xml"
        | "application/wasm"
        | "application/manifest+json"
        | "image/svg+xml"
        | "application/x-ndjson"
    )
    || essence.ends_with("+json")
    || essence.ends_with("+xml")
}

fn add_vary(headers: &mut HeaderMap) {
  let present = headers.get_all(header::VARY).iter().any(|v| {
    v.to_str().is_ok_and(|v| {
      v.split(',').any(|f| {
        let f = f.trim();
        f == "*" || f.eq_ignore_ascii_case("accept-encoding")
      })
    })
  });
  if !present {
    headers.append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn offer() -> Compression {
    Compression {
      encodings: vec![
        Encoding::Br,
        Encoding::Zstd,
        Encoding::Gzip,
        Encoding::Deflate,
      ],
      threshold: 0,
      level: None,
    }
  }

  #[test]
  fn negotiation_follows_weights_and_our_order() {
    let c = offer();
    let pick = |s: &str| c.negotiate(Some(&HeaderValue::from_str(s).unwrap()));
    assert_eq!(pick("gzip, deflate, br"), Some(Encoding::Br));
    assert_eq!(pick("gzip;q=1, br;q=0"), Some(Encoding::Gzip));
    assert_eq!(pick("identity"), None);
    assert_eq!(pick("*"), Some(Encoding::Br));
    assert_eq!(pick("*;q=0, deflate"), Some(Encoding::Deflate));
    assert_eq!(c.negotiate(None), None);
  }
}
