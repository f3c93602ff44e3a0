//! Files as responses (`new Response(Bun.file(p))`, `Bun.file(p)` as a
//! route), with validators and ranges per RFC 9110: `ETag`,
//! `Last-Modified`, `If-Match`/`If-Unmodified-Since` -> 412,
//! `If-None-Match`/`If-Modified-Since` -> 304, a single `Range` -> 206
//! (`If-Range` respected), unsatisfiable -> 416. Several ranges in one
//! request get the whole file (200), as RFC 9110 allows.

use std::sync::Arc;

use http::HeaderMap;
use http::HeaderValue;
use http::Response;
use http::StatusCode;
use http::header;

use super::body::ResponseBody;
use super::file::FileBody;
use super::file::OpenFile;
use super::flow::Flow;
use super::validators::Conditions;
use super::validators::Range;

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
  let last_modified = file.modified().map(httpdate::fmt_http_date);
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
    if conditions.precondition_failed(&etag, file.modified()) {
      return bodiless(StatusCode::PRECONDITION_FAILED, headers, &[]);
    }
    if conditions.not_modified(&etag, file.modified()) {
      return bodiless(StatusCode::NOT_MODIFIED, headers, &[]);
    }
    let len = file.size();
    match conditions.range(&etag, last_modified.as_deref(), len) {
      Range::Whole => {}
      Range::Unsatisfiable => {
        let all = format!("bytes */{len}");
        return bodiless(
          StatusCode::RANGE_NOT_SATISFIABLE,
          headers,
          &[(header::CONTENT_RANGE, all)],
        );
      }
      Range::Part(start, end) => {
        let value = format!("bytes {start}-{}/{len}", end - 1);
        if let Ok(value) = HeaderValue::try_from(value) {
          headers.insert(header::CONTENT_RANGE, value);
        }
        file.narrow(start, end);
        return with_body(StatusCode::PARTIAL_CONTENT, headers, file, flow);
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
