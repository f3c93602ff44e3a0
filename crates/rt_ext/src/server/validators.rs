//! Conditional requests and ranges (RFC 9110 §13, §14): entity-tag
//! lists, HTTP dates, `If-Match`/`If-Unmodified-Since` (412),
//! `If-None-Match`/`If-Modified-Since` (304), `If-Range` and a single byte
//! `Range`. Static routes and file responses share them.

use std::time::SystemTime;
use std::time::UNIX_EPOCH;

use http::HeaderMap;
use http::HeaderValue;
use http::Method;
use http::header;

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

  /// Whether the preconditions fail (412) for an entity with these
  /// validators.
  pub fn precondition_failed(
    &self,
    etag: &HeaderValue,
    modified: Option<SystemTime>,
  ) -> bool {
    precondition_failed(
      self.if_match.as_ref(),
      self.if_unmodified_since.as_ref(),
      etag,
      modified,
    )
  }

  /// Whether a GET or HEAD gets 304 for an entity with these validators.
  pub fn not_modified(
    &self,
    etag: &HeaderValue,
    modified: Option<SystemTime>,
  ) -> bool {
    self.head_or_get
      && not_modified(
        self.if_none_match.as_ref(),
        self.if_modified_since.as_ref(),
        etag,
        || modified,
      )
  }

  /// The part of an entity of `len` bytes a GET asks for (`Whole` when it
  /// asks for none, or `If-Range` no longer holds).
  pub fn range(
    &self,
    etag: &HeaderValue,
    last_modified: Option<&str>,
    len: u64,
  ) -> Range {
    match &self.range {
      Some(range)
        if self.get
          && if_range_holds(self.if_range.as_ref(), etag, last_modified) =>
      {
        parse_range(range.as_bytes(), len)
      }
      _ => Range::Whole,
    }
  }
}

/// RFC 9110 §13.2.2 steps 1-2: If-Match (strong comparison) decides when
/// present; otherwise If-Unmodified-Since.
pub fn precondition_failed(
  if_match: Option<&HeaderValue>,
  if_unmodified_since: Option<&HeaderValue>,
  etag: &HeaderValue,
  modified: Option<SystemTime>,
) -> bool {
  if let Some(value) = if_match {
    let Ok(list) = value.to_str() else {
      return true;
    };
    return !list
      .split(',')
      .map(str::trim)
      .any(|tag| tag == "*" || tag.as_bytes() == etag.as_bytes());
  }
  match (http_date(if_unmodified_since), modified) {
    (Some(since), Some(modified)) => seconds(modified) > seconds(since),
    _ => false,
  }
}

/// RFC 9110 §13.2.2 steps 3-4, for GET and HEAD: If-None-Match decides
/// when present (weak comparison); otherwise If-Modified-Since against
/// `modified` (asked only then), at one-second precision.
pub fn not_modified(
  if_none_match: Option<&HeaderValue>,
  if_modified_since: Option<&HeaderValue>,
  etag: &HeaderValue,
  modified: impl FnOnce() -> Option<SystemTime>,
) -> bool {
  if let Some(value) = if_none_match {
    return none_match_hits(value, etag);
  }
  let Some(since) = http_date(if_modified_since) else {
    return false;
  };
  modified().is_some_and(|modified| seconds(modified) <= seconds(since))
}

/// If-Range (RFC 9110 §13.1.5): the range applies only if the validator
/// still matches, strongly for a tag, exactly for a date.
pub fn if_range_holds(
  if_range: Option<&HeaderValue>,
  etag: &HeaderValue,
  last_modified: Option<&str>,
) -> bool {
  let Some(value) = if_range else {
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

/// A header's HTTP date, if it has a valid one.
pub fn http_date(value: Option<&HeaderValue>) -> Option<SystemTime> {
  value
    .and_then(|v| v.to_str().ok())
    .and_then(|s| httpdate::parse_http_date(s).ok())
}

fn seconds(time: SystemTime) -> u64 {
  time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Whether an `If-None-Match` value matches `etag` (RFC 9110 §13.1.2: weak
/// comparison, `*`, a list of entity-tags); static routes and files share it.
pub fn none_match_hits(
  if_none_match: &HeaderValue,
  etag: &HeaderValue,
) -> bool {
  let ours = etag.as_bytes();
  let ours = ours.strip_prefix(b"W/").unwrap_or(ours);
  EntityTags(if_none_match.as_bytes()).any(|candidate| match candidate {
    Tag::Any => true,
    Tag::Opaque { tag, .. } => tag == ours,
  })
}

/// One member of an entity-tag list.
#[derive(Debug, PartialEq)]
enum Tag<'a> {
  /// `*`
  Any,
  /// `"xyz"` or `W/"xyz"`: the quoted tag, quotes included.
  Opaque { tag: &'a [u8] },
}

/// RFC 9110 §8.8.3 entity-tag lists: `"a", W/"b"`. A comma inside quotes
/// belongs to the tag; parsing stops at the first malformed member.
struct EntityTags<'a>(&'a [u8]);

impl<'a> Iterator for EntityTags<'a> {
  type Item = Tag<'a>;

  fn next(&mut self) -> Option<Tag<'a>> {
    let rest = self.0;
    let start = rest
      .iter()
      .position(|b| !matches!(b, b' ' | b'\t' | b','))?;
    let rest = &rest[start..];
    if rest[0] == b'*' {
      self.0 = &rest[1..];
      return Some(Tag::Any);
    }
    let quoted = rest.strip_prefix(b"W/").unwrap_or(rest);
    if quoted.first() != Some(&b'"') {
      self.0 = &[];
      return None;
    }
    let Some(close) = quoted[1..].iter().position(|b| *b == b'"') else {
      self.0 = &[];
      return None;
    };
    let tag = &quoted[..close + 2];
    self.0 = &quoted[close + 2..];
    Some(Tag::Opaque { tag })
  }
}

/// A parsed `Range` header, for an entity of a given length.
#[derive(Debug, PartialEq, Eq)]
pub enum Range {
  /// No usable single range: send everything.
  Whole,
  /// `[start, end)`.
  Part(u64, u64),
  /// No byte of the range exists (416).
  Unsatisfiable,
}

/// RFC 9110 §14.1.2 byte ranges; one range only (more, or another unit,
/// or bad syntax, means the whole entity).
pub fn parse_range(value: &[u8], len: u64) -> Range {
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

#[cfg(test)]
mod tests {
  use super::*;

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

  #[test]
  fn entity_tag_lists_keep_commas_inside_quotes() {
    let etag = HeaderValue::from_static("\"ab,cd\"");
    let hit =
      |v: &'static str| none_match_hits(&HeaderValue::from_static(v), &etag);
    assert!(hit("\"ab,cd\""));
    assert!(hit("\"zzz\", \"ab,cd\""));
    assert!(hit(" W/\"ab,cd\" "));
    assert!(!hit("\"a,\"ab,cd\",b\""));
    assert!(!hit("\"ab"));
    assert!(!hit("ab,cd"));
  }
}
