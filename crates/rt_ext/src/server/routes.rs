//! Bun's `routes` table, matched in Rust so static responses never enter JS.
//!
//! Bun's rules: exact paths beat `:param` segments, which beat `*`
//! wildcards, whatever the declaration order; a per-method route object only
//! answers its methods (`GET` also answers `HEAD`) and any other method falls
//! through to the next matching pattern, then to `fetch`. One matchit router
//! per method gives exactly that: matchit ranks static > param > catch-all,
//! and a method's router only holds the routes that answer it.

use std::collections::HashMap;
use std::hash::Hasher as _;

use bytes::Bytes;
use http::HeaderMap;
use http::HeaderValue;
use http::Method;
use http::StatusCode;
use http::header;

use super::compress::StaticCache;
use super::file::FileSource;
use super::validators::http_date;
use super::validators::not_modified;
use crate::util::headers::append_pairs;

/// Errors in a `routes` object, reported to JS as `TypeError`s.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum RouteError {
  /// The path does not start with `/`.
  #[class(type)]
  #[error("Route path must start with '/', got '{0}'")]
  NotAbsolute(String),
  /// `:1abc` and similar.
  #[class(type)]
  #[error("Route parameter names must not start with a digit: '{0}'")]
  ParamStartsWithDigit(String),
  /// `:` with no name.
  #[class(type)]
  #[error("Route parameter is missing a name in '{0}'")]
  EmptyParam(String),
  /// Two routes the router cannot tell apart (e.g. `/a/:x` and `/a/:y`).
  #[class(type)]
  #[error("Route '{path}' conflicts with another route: {reason}")]
  Conflict { path: String, reason: String },
  /// An unknown method key in a per-method route object.
  #[class(type)]
  #[error("Unsupported method '{method}' in route '{path}'")]
  BadMethod { path: String, method: String },
  /// A header in a static response that HTTP cannot carry.
  #[class(type)]
  #[error("Invalid header in static response for '{0}'")]
  BadHeader(String),
}

/// A response buffered when the server starts, served without entering JS.
#[derive(Debug, Clone)]
pub struct StaticResponse {
  /// Status code.
  pub status: StatusCode,
  /// Headers, including the computed `ETag` and `Content-Type`.
  pub headers: HeaderMap,
  /// The whole body.
  pub body: Bytes,
  /// The strong ETag (with quotes), compared against `If-None-Match`.
  pub etag: HeaderValue,
  /// The body compressed per encoding, made on first use.
  pub compressed: std::sync::Arc<StaticCache>,
}

impl StaticResponse {
  /// Builds a static response, adding an `ETag` computed from the body.
  pub fn new(
    path: &str,
    status: u16,
    headers: &[(String, String)],
    body: Bytes,
  ) -> Result<Self, RouteError> {
    let status = StatusCode::from_u16(status)
      .map_err(|_| RouteError::BadHeader(path.to_string()))?;
    let mut map = header_map(path, headers)?;
    let etag = match map.get(header::ETAG) {
      Some(given) => given.clone(),
      None => {
        let tag = etag_for(&body);
        map.insert(header::ETAG, tag.clone());
        tag
      }
    };
    Ok(Self {
      status,
      headers: map,
      body,
      etag,
      compressed: Default::default(),
    })
  }

  /// Whether a request gets `304 Not Modified` instead of this response
  /// (RFC 9110 §13.2.2): only GET and HEAD of a 200; If-None-Match decides
  /// when present, otherwise If-Modified-Since against `Last-Modified`.
  pub fn not_modified(
    &self,
    method: &http::Method,
    request: &HeaderMap,
  ) -> bool {
    if self.status != StatusCode::OK
      || (method != http::Method::GET && method != http::Method::HEAD)
    {
      return false;
    }
    not_modified(
      request.get(header::IF_NONE_MATCH),
      request.get(header::IF_MODIFIED_SINCE),
      &self.etag,
      || http_date(self.headers.get(header::LAST_MODIFIED)),
    )
  }
}

/// A strong ETag as Bun writes one: hex digits of a 64-bit FNV-1a hash of
/// the body and its length.
fn etag_for(body: &[u8]) -> HeaderValue {
  let mut hasher = Fnv1a::default();
  hasher.write(body);
  hasher.write(&(body.len() as u64).to_le_bytes());
  let tag = format!("\"{:016x}\"", hasher.finish());
  HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("\"0\""))
}

#[derive(Default)]
struct Fnv1a(u64);

impl std::hash::Hasher for Fnv1a {
  fn finish(&self) -> u64 {
    self.0
  }
  fn write(&mut self, bytes: &[u8]) {
    let mut h = if self.0 == 0 {
      0xcbf2_9ce4_8422_2325
    } else {
      self.0
    };
    for b in bytes {
      h ^= u64::from(*b);
      h = h.wrapping_mul(0x100_0000_01b3);
    }
    self.0 = h;
  }
}

/// A route's headers from JS's pairs; a pair HTTP cannot carry is an error
/// naming the route.
fn header_map(
  path: &str,
  headers: &[(String, String)],
) -> Result<HeaderMap, RouteError> {
  let mut map = HeaderMap::with_capacity(headers.len() + 1);
  append_pairs(&mut map, headers.iter().map(|(n, v)| (n, v)))
    .map_err(|_| RouteError::BadHeader(path.to_string()))?;
  Ok(map)
}

/// A route answered with a file (`Bun.file(p)` or a Response of one),
/// opened for each request so the current file is sent.
#[derive(Debug, Clone)]
pub struct FileRoute {
  /// The file (or slice of it).
  pub source: FileSource,
  /// Status for the whole file (200 unless the Response said otherwise).
  pub status: StatusCode,
  /// The Response's headers (with its Content-Type).
  pub headers: HeaderMap,
}

impl FileRoute {
  /// A route serving `source` with the Response's `status` and `headers`;
  /// a header HTTP cannot carry is an error naming the route.
  pub fn new(
    path: &str,
    source: FileSource,
    status: StatusCode,
    headers: &[(String, String)],
  ) -> Result<Self, RouteError> {
    Ok(Self {
      source,
      status,
      headers: header_map(path, headers)?,
    })
  }
}

/// What a route answers with for one method.
#[derive(Debug, Clone)]
pub enum RouteTarget {
  /// A buffered response, served natively.
  Static(std::sync::Arc<StaticResponse>),
  /// A file, served natively; a missing one is a 404.
  File(std::sync::Arc<FileRoute>),
  /// The JS handler with this index in the server's handler list.
  Handler(u32),
}

/// One entry of a `routes` object, as JS describes it to Rust.
#[derive(Debug, Clone)]
pub struct RouteSpec {
  /// Bun's pattern: `/users/:id`, `/api/*`.
  pub path: String,
  /// `None` answers every method; otherwise method name → target.
  pub methods: Option<Vec<(String, RouteTarget)>>,
  /// The target when `methods` is `None`.
  pub any: Option<RouteTarget>,
}

/// A successful match.
pub struct RouteMatch<'a> {
  /// What to do.
  pub target: &'a RouteTarget,
  /// Decoded `:param` values, in pattern order.
  pub params: Vec<(String, String)>,
}

/// The compiled table: routers per method, plus routers for methods no
/// per-method object names (routes that answer any method).
#[derive(Default)]
pub struct RouteTable {
  by_method: HashMap<Method, Routers>,
  any_method: Routers,
  is_empty: bool,
}

/// Exact and `:param` routes, and `*` routes apart: matchit cannot hold a
/// parameter and a catch-all at the same position (`/u/:id` and `/u/*`),
/// and trying wildcards only after the others gives Bun's precedence.
#[derive(Default)]
struct Routers {
  main: matchit::Router<Entry>,
  wild: matchit::Router<Entry>,
}

impl Routers {
  fn at<'a>(
    &'a self,
    path: &'a str,
  ) -> Option<matchit::Match<'a, 'a, &'a Entry>> {
    self.main.at(path).ok().or_else(|| self.wild.at(path).ok())
  }
}

#[derive(Clone)]
struct Entry {
  target: RouteTarget,
  /// matchit names → Bun names (matchit has no `*` param name).
  names: std::sync::Arc<Vec<String>>,
}

const METHODS: &[&str] =
  &["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

impl RouteTable {
  /// An empty table (every request goes to `fetch`).
  pub fn empty() -> Self {
    Self {
      is_empty: true,
      ..Default::default()
    }
  }

  /// Compiles Bun route specs. Exact, param and wildcard precedence comes from
  /// matchit; insertion order does not matter.
  pub fn new(specs: Vec<RouteSpec>) -> Result<Self, RouteError> {
    let mut table = Self {
      is_empty: specs.is_empty(),
      ..Default::default()
    };
    // A router for every method any route names, created before inserting,
    // so that routes answering every method land in all of them.
    let named = specs
      .iter()
      .flat_map(|s| s.methods.iter().flatten().map(|(m, _)| m.as_str()));
    for method in METHODS.iter().copied().chain(named) {
      let m = Method::from_bytes(method.as_bytes()).map_err(|_| {
        RouteError::BadMethod {
          path: String::new(),
          method: method.to_string(),
        }
      })?;
      table.by_method.entry(m).or_default();
    }
    for spec in &specs {
      let (patterns, names) = translate(&spec.path)?;
      let names = std::sync::Arc::new(names);
      match (&spec.methods, &spec.any) {
        (None, Some(target)) => {
          let entry = Entry {
            target: target.clone(),
            names: names.clone(),
          };
          for router in table.by_method.values_mut() {
            insert(router, &patterns, entry.clone(), &spec.path)?;
          }
          insert(&mut table.any_method, &patterns, entry, &spec.path)?;
        }
        (Some(methods), _) => {
          let has_head = methods.iter().any(|(m, _)| m == "HEAD");
          for (method, target) in methods {
            let entry = Entry {
              target: target.clone(),
              names: names.clone(),
            };
            let m = Method::from_bytes(method.as_bytes()).map_err(|_| {
              RouteError::BadMethod {
                path: spec.path.clone(),
                method: method.clone(),
              }
            })?;
            let router = table.by_method.entry(m).or_default();
            insert(router, &patterns, entry.clone(), &spec.path)?;
            if method == "GET" && !has_head {
              // GET also answers HEAD (Bun ≥ 1.4); hyper drops the body.
              let head = table.by_method.entry(Method::HEAD).or_default();
              insert(head, &patterns, entry, &spec.path)?;
            }
          }
        }
        (None, None) => {}
      }
    }
    Ok(table)
  }

  /// Whether there are no routes (every request goes to `fetch`).
  pub fn is_empty(&self) -> bool {
    self.is_empty
  }

  /// Finds the route for a method and a normalized path.
  pub fn find<'a>(
    &'a self,
    method: &Method,
    path: &'a str,
  ) -> Option<RouteMatch<'a>> {
    if self.is_empty {
      return None;
    }
    let routers = self.by_method.get(method).unwrap_or(&self.any_method);
    let matched = routers.at(path)?;
    let entry = matched.value;
    let params = matched
      .params
      .iter()
      .filter_map(|(key, value)| {
        let index: usize = key.strip_prefix('p')?.parse().ok()?;
        let name = entry.names.get(index)?.clone();
        Some((name, decode_param(value)))
      })
      .collect();
    Some(RouteMatch {
      target: &entry.target,
      params,
    })
  }
}

fn insert(
  routers: &mut Routers,
  patterns: &[String],
  entry: Entry,
  path: &str,
) -> Result<(), RouteError> {
  let router = if path.ends_with('*') {
    &mut routers.wild
  } else {
    &mut routers.main
  };
  for (i, pattern) in patterns.iter().enumerate() {
    match router.insert(pattern.as_str(), entry.clone()) {
      Ok(()) => {}
      // The secondary form of a wildcard may already be an exact route.
      Err(_) if i > 0 => {}
      Err(e) => {
        return Err(RouteError::Conflict {
          path: path.to_string(),
          reason: e.to_string(),
        });
      }
    }
  }
  Ok(())
}

/// Bun pattern → matchit patterns (a trailing `*` also matches the empty
/// rest, which matchit's catch-all does not) and the parameter names.
/// Parameters are renamed `p0`, `p1`... so that any Bun name is accepted.
fn translate(path: &str) -> Result<(Vec<String>, Vec<String>), RouteError> {
  if !path.starts_with('/') {
    return Err(RouteError::NotAbsolute(path.to_string()));
  }
  let mut names = Vec::new();
  let mut out = String::with_capacity(path.len() + 8);
  let segments: Vec<&str> = path.split('/').collect();
  let last = segments.len() - 1;
  let mut empty_rest_form = None;
  for (i, segment) in segments.iter().enumerate() {
    if i > 0 {
      out.push('/');
    }
    if let Some(name) = segment.strip_prefix(':') {
      if name.is_empty() {
        return Err(RouteError::EmptyParam(path.to_string()));
      }
      if name.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(RouteError::ParamStartsWithDigit(path.to_string()));
      }
      out.push_str(&format!("{{p{}}}", names.len()));
      names.push(name.to_string());
    } else if *segment == "*" && i == last {
      empty_rest_form = Some(out.clone());
      out.push_str("{*rest}");
    } else {
      // Braces are literal in Bun patterns; matchit escapes them by doubling.
      out.push_str(&segment.replace('{', "{{").replace('}', "}}"));
    }
  }
  let mut patterns = vec![out];
  patterns.extend(empty_rest_form);
  Ok((patterns, names))
}

/// Percent-decodes a parameter; invalid UTF-8 becomes U+FFFD, as in Bun.
fn decode_param(raw: &str) -> String {
  percent_encoding::percent_decode_str(raw)
    .decode_utf8_lossy()
    .into_owned()
}

/// Bun's path normalization before matching: `\` reads as `/`, and `.` and
/// `..` segments are resolved (never above the root).
pub fn normalize_path(path: &str) -> std::borrow::Cow<'_, str> {
  let needs_work =
    path.contains('\\') || path.split('/').any(|s| s == "." || s == "..");
  if !needs_work {
    return std::borrow::Cow::Borrowed(path);
  }
  let replaced = path.replace('\\', "/");
  let mut out: Vec<&str> = Vec::new();
  let segments: Vec<&str> = replaced.split('/').skip(1).collect();
  let trailing = matches!(segments.last(), Some(&"." | &".." | &""));
  for segment in &segments {
    match *segment {
      "." | "" => {}
      ".." => {
        out.pop();
      }
      s => out.push(s),
    }
  }
  let mut result = String::with_capacity(replaced.len());
  for s in &out {
    result.push('/');
    result.push_str(s);
  }
  if result.is_empty() || trailing {
    result.push('/');
  }
  std::borrow::Cow::Owned(result)
}

#[cfg(test)]
mod tests {
  use super::*;

  fn handler(i: u32) -> Option<RouteTarget> {
    Some(RouteTarget::Handler(i))
  }

  fn spec(path: &str, target: Option<RouteTarget>) -> RouteSpec {
    RouteSpec {
      path: path.into(),
      methods: None,
      any: target,
    }
  }

  fn index(table: &RouteTable, method: Method, path: &str) -> Option<u32> {
    match table.find(&method, path)?.target {
      RouteTarget::Handler(i) => Some(*i),
      RouteTarget::Static(_) | RouteTarget::File(_) => None,
    }
  }

  #[test]
  fn exact_beats_param_beats_wildcard_in_any_order() {
    let table = RouteTable::new(vec![
      spec("/*", handler(0)),
      spec("/users/*", handler(1)),
      spec("/users/:id", handler(2)),
      spec("/users/me", handler(3)),
    ])
    .unwrap();
    assert_eq!(index(&table, Method::GET, "/users/me"), Some(3));
    assert_eq!(index(&table, Method::GET, "/users/7"), Some(2));
    assert_eq!(index(&table, Method::GET, "/users/7/books"), Some(1));
    assert_eq!(index(&table, Method::GET, "/users/"), Some(1));
    assert_eq!(index(&table, Method::GET, "/other"), Some(0));
    assert_eq!(index(&table, Method::GET, "/"), Some(0));
  }

  #[test]
  fn params_are_named_and_decoded() {
    let table =
      RouteTable::new(vec![spec("/a/:first/b/:second", handler(0))]).unwrap();
    let m = table.find(&Method::GET, "/a/x%20y/b/%E2%9C%93").unwrap();
    assert_eq!(
      m.params,
      vec![
        ("first".into(), "x y".into()),
        ("second".into(), "✓".into())
      ]
    );
    assert_eq!(decode_param("%FF"), "\u{FFFD}");
  }

  #[test]
  fn per_method_routes_fall_through_and_get_answers_head() {
    let table = RouteTable::new(vec![
      RouteSpec {
        path: "/api/items".into(),
        methods: Some(vec![("GET".into(), RouteTarget::Handler(0))]),
        any: None,
      },
      spec("/api/*", handler(1)),
    ])
    .unwrap();
    assert_eq!(index(&table, Method::GET, "/api/items"), Some(0));
    assert_eq!(index(&table, Method::HEAD, "/api/items"), Some(0));
    assert_eq!(index(&table, Method::POST, "/api/items"), Some(1));
    let unusual = Method::from_bytes(b"PROPFIND").unwrap();
    assert_eq!(index(&table, unusual, "/api/items"), Some(1));
  }

  #[test]
  fn bad_patterns_are_errors() {
    assert!(matches!(
      RouteTable::new(vec![spec("/x/:1a", handler(0))]),
      Err(RouteError::ParamStartsWithDigit(_))
    ));
    assert!(matches!(
      RouteTable::new(vec![spec("nope", handler(0))]),
      Err(RouteError::NotAbsolute(_))
    ));
    assert!(matches!(
      RouteTable::new(vec![
        spec("/a/:x", handler(0)),
        spec("/a/:y", handler(1))
      ]),
      Err(RouteError::Conflict { .. })
    ));
  }

  #[test]
  fn static_responses_get_an_etag_and_honour_if_none_match() {
    let r =
      StaticResponse::new("/", 200, &[], Bytes::from_static(b"hi")).unwrap();
    let tag = r.etag.clone();
    let hit = |value: HeaderValue| {
      super::super::validators::none_match_hits(&value, &r.etag)
    };
    assert!(hit(tag.clone()));
    let weak =
      HeaderValue::from_str(&format!("W/{}", tag.to_str().unwrap())).unwrap();
    assert!(hit(weak));
    assert!(hit(HeaderValue::from_static("\"x\", *")));
    assert!(!hit(HeaderValue::from_static("\"other\"")));
    let same =
      StaticResponse::new("/", 200, &[], Bytes::from_static(b"hi")).unwrap();
    assert_eq!(same.etag, tag);
    // Bun's shape: hex digits in quotes.
    let hex = tag.to_str().unwrap().trim_matches('"');
    assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "{hex}");
  }

  #[test]
  fn only_get_and_head_of_a_200_are_not_modified() {
    let lm = "Wed, 01 Jan 2020 00:00:00 GMT";
    let headers = vec![("last-modified".to_string(), lm.to_string())];
    let r = StaticResponse::new("/", 200, &headers, Bytes::from_static(b"x"))
      .unwrap();
    let request = |name: &'static str, value: &'static str| {
      let mut map = HeaderMap::new();
      map.insert(name, HeaderValue::from_static(value));
      map
    };
    let ims = |v| request("if-modified-since", v);
    assert!(r.not_modified(&http::Method::GET, &ims(lm)));
    assert!(r.not_modified(
      &http::Method::HEAD,
      &ims("Fri, 01 Jan 2027 00:00:00 GMT")
    ));
    assert!(
      !r.not_modified(
        &http::Method::GET,
        &ims("Tue, 01 Jan 2019 00:00:00 GMT")
      )
    );
    assert!(!r.not_modified(&http::Method::GET, &ims("not a date")));
    assert!(!r.not_modified(&http::Method::POST, &ims(lm)));
    // If-None-Match decides when present.
    let mut both = ims(lm);
    both.insert("if-none-match", HeaderValue::from_static("\"nope\""));
    assert!(!r.not_modified(&http::Method::GET, &both));
    assert!(
      !r.not_modified(&http::Method::POST, &request("if-none-match", "*"))
    );
    let redirect = StaticResponse::new("/", 302, &[], Bytes::new()).unwrap();
    assert!(
      !redirect
        .not_modified(&http::Method::GET, &request("if-none-match", "*"))
    );
  }

  #[test]
  fn paths_are_normalized_like_bun() {
    assert_eq!(normalize_path("/a/b"), "/a/b");
    assert_eq!(normalize_path("/a/./b/../c"), "/a/c");
    assert_eq!(normalize_path("/../../x"), "/x");
    assert_eq!(normalize_path("/a\\b"), "/a/b");
    assert_eq!(normalize_path("/a/.."), "/");
    assert_eq!(normalize_path("/a/b/."), "/a/b/");
  }
}
