//! Response bodies: a buffer, nothing, a file read as the socket drains, the
//! request's own body piped back, or a stream fed from JS with backpressure
//! (a bounded channel that hyper drains as the socket allows); and the short
//! plain-text answers the server gives by itself.

use std::pin::Pin;
use std::task::Context;
use std::task::Poll;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderValue;
use http::Response;
use http::StatusCode;
use http::header;
use http_body::Frame;
use http_body::SizeHint;
use tokio::sync::mpsc;

use super::encode::CompressedBody;
use super::file::FileBody;
use super::flow::Flow;

/// How many chunks may wait between JS and the socket. Small on purpose: a
/// slow client stalls the JS writer instead of growing server memory.
pub const STREAM_CAPACITY: usize = 2;

/// An error ending a streamed response early (the JS stream errored).
#[derive(Debug, thiserror::Error)]
#[error("response stream aborted: {0}")]
pub struct StreamAborted(pub String);

/// A response body.
pub enum ResponseBody {
  /// No body (or a HEAD response).
  Empty,
  /// A complete body.
  Full(Option<Bytes>),
  /// A file (or part of one), read in chunks off the event loop.
  File(FileBody),
  /// Another body, compressed as it streams (`compression` option).
  Compressed(Box<CompressedBody<ResponseBody>>),
  /// A request's own body, sent back as it arrives (`new Response(req.body)`).
  Piped(hyper::body::Incoming),
  /// Chunks sent by JS, then maybe trailers (`Err` aborts the response),
  /// paced by the connection's [`Flow`].
  Stream(
    mpsc::Receiver<Result<Frame<Bytes>, StreamAborted>>,
    Arc<Flow>,
    Option<Idle>,
  ),
}

/// `server.timeout()` on a streamed body: how long JS may send nothing.
pub struct Idle {
  limit: Duration,
  deadline: Pin<Box<tokio::time::Sleep>>,
}

impl Idle {
  fn new(limit: Duration) -> Self {
    Self {
      limit,
      deadline: Box::pin(tokio::time::sleep(limit)),
    }
  }

  fn reset(&mut self) {
    let next = tokio::time::Instant::now() + self.limit;
    self.deadline.as_mut().reset(next);
  }
}

impl ResponseBody {
  /// A body holding these bytes.
  pub fn full(bytes: impl Into<Bytes>) -> Self {
    let bytes = bytes.into();
    if bytes.is_empty() {
      Self::Empty
    } else {
      Self::Full(Some(bytes))
    }
  }

  /// A streamed body and the sender JS writes into.
  pub fn channel(
    flow: Arc<Flow>,
    idle: Option<Duration>,
  ) -> (mpsc::Sender<Result<Frame<Bytes>, StreamAborted>>, Self) {
    let (tx, rx) = mpsc::channel(STREAM_CAPACITY);
    (tx, Self::Stream(rx, flow, idle.map(Idle::new)))
  }
}

impl http_body::Body for ResponseBody {
  type Data = Bytes;
  type Error = StreamAborted;

  fn poll_frame(
    self: Pin<&mut Self>,
    cx: &mut Context<'_>,
  ) -> Poll<Option<Result<Frame<Bytes>, StreamAborted>>> {
    match self.get_mut() {
      Self::Empty => Poll::Ready(None),
      Self::Full(bytes) => {
        Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b))))
      }
      Self::Compressed(body) => body.poll_frame(cx),
      Self::Piped(incoming) => {
        match http_body::Body::poll_frame(Pin::new(incoming), cx) {
          Poll::Ready(Some(Err(e))) => {
            Poll::Ready(Some(Err(StreamAborted(e.to_string()))))
          }
          Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
          Poll::Ready(None) => Poll::Ready(None),
          Poll::Pending => Poll::Pending,
        }
      }
      Self::File(file) => match file.poll_chunk(cx) {
        Poll::Pending => Poll::Pending,
        Poll::Ready(None) => Poll::Ready(None),
        Poll::Ready(Some(Ok(chunk))) => {
          Poll::Ready(Some(Ok(Frame::data(chunk))))
        }
        // The length was announced: all rt can do is cut the response.
        Poll::Ready(Some(Err(e))) => {
          Poll::Ready(Some(Err(StreamAborted(e.to_string()))))
        }
      },
      Self::Stream(rx, flow, idle) => match flow.poll_room(cx) {
        Poll::Pending => Poll::Pending,
        Poll::Ready(()) => match rx.poll_recv(cx) {
          Poll::Ready(Some(Ok(frame))) => {
            if let Some(chunk) = frame.data_ref() {
              flow.queued(chunk.len());
            }
            if let Some(idle) = idle {
              idle.reset();
            }
            Poll::Ready(Some(Ok(frame)))
          }
          Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
          Poll::Ready(None) => Poll::Ready(None),
          Poll::Pending => {
            let expired = idle
              .as_mut()
              .is_some_and(|idle| idle.deadline.as_mut().poll(cx).is_ready());
            if expired {
              Poll::Ready(Some(Err(StreamAborted("idle timeout".into()))))
            } else {
              Poll::Pending
            }
          }
        },
      },
    }
  }

  fn is_end_stream(&self) -> bool {
    match self {
      Self::Empty => true,
      Self::Full(bytes) => bytes.is_none(),
      Self::File(file) => file.remaining() == 0,
      Self::Piped(incoming) => http_body::Body::is_end_stream(incoming),
      Self::Stream(..) | Self::Compressed(_) => false,
    }
  }

  fn size_hint(&self) -> SizeHint {
    match self {
      Self::Empty => SizeHint::with_exact(0),
      Self::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
      Self::Full(None) => SizeHint::with_exact(0),
      Self::File(file) => SizeHint::with_exact(file.remaining()),
      Self::Piped(incoming) => http_body::Body::size_hint(incoming),
      Self::Stream(..) | Self::Compressed(_) => SizeHint::default(),
    }
  }
}

/// A short plain-text response for protocol-level answers.
pub fn plain(status: StatusCode, text: &'static str) -> Response<ResponseBody> {
  let mut response =
    Response::new(ResponseBody::full(Bytes::from_static(text.as_bytes())));
  *response.status_mut() = status;
  response.headers_mut().insert(
    header::CONTENT_TYPE,
    HeaderValue::from_static("text/plain;charset=utf-8"),
  );
  response
}

/// Marks a response as the last on its connection.
pub fn closing(mut response: Response<ResponseBody>) -> Response<ResponseBody> {
  response
    .headers_mut()
    .insert(header::CONNECTION, HeaderValue::from_static("close"));
  response
}

/// The 413 for a body past the server's limit, closing the connection:
/// the rest of the body is not read.
pub fn too_large() -> Response<ResponseBody> {
  closing(plain(StatusCode::PAYLOAD_TOO_LARGE, "Payload Too Large"))
}
