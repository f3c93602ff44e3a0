//! Ops behind `Bun.redis` and `new RedisClient(url)` (`redis.js`),
//! on the `redis` crate that also carries the pub/sub backplane.
//!
//! A client is a resource holding a [`ConnectionManager`]: one multiplexed
//! RESP3 connection that pipelines concurrent commands and reconnects with
//! backoff. It connects on its first command, as Bun's does. JS hands over
//! the commands of one turn together (`op_redis_batch`). Subscriptions
//! use a second connection of the same client, whose pushes JS reads with
//! `op_redis_next_message` while anything is subscribed.

use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use deno_core::OpState;
use deno_core::Resource;
use deno_core::ResourceId;
use deno_core::op2;
use redis::PushInfo;
use redis::PushKind;
use redis::Value;
use redis::aio::ConnectionManager;
use redis::aio::ConnectionManagerConfig;
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::sync::Notify;
use tokio::sync::OnceCell;
use tokio::sync::mpsc;

use crate::errors::Code;
use crate::errors::Coded;

/// Errors of a Redis client, with Bun's codes; JS builds `RedisError`s.
#[derive(Debug, thiserror::Error)]
pub enum RedisOpError {
  /// The URL or an option is not usable (a plain Error, as in Bun).
  #[error("{0}")]
  Invalid(String),
  /// No connection (refused, timed out, dropped, or the client was closed).
  #[error("{0}")]
  Connection(String),
  /// The server answered with an error reply.
  #[error("{0}")]
  Server(String),
}

impl Coded for RedisOpError {
  fn code(&self) -> Code {
    match self {
      Self::Invalid(_) => Code::RedisInvalidArgument,
      Self::Connection(_) => Code::RedisConnectionClosed,
      Self::Server(_) => Code::RedisServerError,
    }
  }
}

crate::coded_error!(RedisOpError);

impl From<redis::RedisError> for RedisOpError {
  fn from(e: redis::RedisError) -> Self {
    if let Some(code) = e.code() {
      let message = match e.detail() {
        Some(detail) => format!("{code} {detail}"),
        None => code.to_string(),
      };
      return Self::Server(message);
    }
    Self::Connection(e.to_string())
  }
}

/// `new RedisClient(url, options)`'s options that reach Rust.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ClientOptions {
  /// Milliseconds to wait for a connection (Bun's default 10 s).
  connection_timeout: Option<f64>,
  /// Reconnection attempts before a command fails (Bun's default 10).
  max_retries: Option<u32>,
  /// A PEM CA to trust for rediss:// (`tls: { ca }`), instead of the
  /// built-in roots.
  ca: Option<String>,
}

/// One `RedisClient`: its commands' connection and its subscriptions'.
pub struct RedisClient {
  client: redis::Client,
  config: ConnectionManagerConfig,
  commands: OnceCell<ConnectionManager>,
  subscriber: OnceCell<ConnectionManager>,
  pushes: Mutex<Option<mpsc::UnboundedReceiver<PushInfo>>>,
  push_tx: mpsc::UnboundedSender<PushInfo>,
  stop: Notify,
}

impl Resource for RedisClient {
  fn name(&self) -> Cow<'_, str> {
    "redisClient".into()
  }

  fn close(self: Rc<Self>) {
    self.stop.notify_one();
  }
}

impl RedisClient {
  /// The connection in `cell`, made with `config` on first use.
  async fn connection(
    &self,
    cell: &OnceCell<ConnectionManager>,
    config: impl FnOnce() -> ConnectionManagerConfig,
  ) -> Result<ConnectionManager, RedisOpError> {
    cell
      .get_or_try_init(|| {
        ConnectionManager::new_with_config(self.client.clone(), config())
      })
      .await
      .cloned()
      .map_err(|e| {
        RedisOpError::Connection(format!("Connection has failed: {e}"))
      })
  }

  async fn commands(&self) -> Result<ConnectionManager, RedisOpError> {
    self
      .connection(&self.commands, || self.config.clone())
      .await
  }

  async fn subscriber(&self) -> Result<ConnectionManager, RedisOpError> {
    self
      .connection(&self.subscriber, || {
        self
          .config
          .clone()
          .set_push_sender(self.push_tx.clone())
          .set_automatic_resubscription()
      })
      .await
  }
}

/// Bun's URL schemes mapped onto the crate's, with RESP3 asked for.
fn connection_url(url: &str) -> Result<String, RedisOpError> {
  let (scheme, rest) = url.split_once("://").ok_or_else(|| {
    RedisOpError::Invalid(format!("Invalid Redis URL: {url}"))
  })?;
  let scheme = match scheme {
    "redis" | "valkey" => "redis",
    "rediss" | "valkeys" | "redis+tls" => "rediss",
    "redis+unix" => "redis+unix",
    _ => {
      return Err(RedisOpError::Invalid(
        "Expected url protocol to be one of redis, valkey, rediss, valkeys, \
         redis+tls, redis+unix, redis+tls+unix"
          .into(),
      ));
    }
  };
  let sep = if rest.contains('?') { '&' } else { '?' };
  Ok(if rest.contains("protocol=") {
    format!("{scheme}://{rest}")
  } else {
    format!("{scheme}://{rest}{sep}protocol=resp3")
  })
}

/// `new RedisClient(url, options)`: checks the URL; connects on first use.
#[op2]
#[smi]
pub(crate) fn op_redis_open(
  state: &mut OpState,
  #[string] url: &str,
  #[serde] options: ClientOptions,
) -> Result<ResourceId, RedisOpError> {
  let url = connection_url(url)?;
  // The crate's rustls needs a process-wide provider; rt uses ring's.
  let _ = rustls::crypto::ring::default_provider().install_default();
  let client = match options.ca {
    Some(ca) => redis::Client::build_with_tls(
      url.as_str(),
      redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(ca.into_bytes()),
      },
    ),
    None => redis::Client::open(url.as_str()),
  }
  .map_err(|e| RedisOpError::Invalid(format!("Invalid Redis URL: {e}")))?;
  let timeout = options
    .connection_timeout
    .filter(|ms| ms.is_finite() && *ms > 0.0)
    .map_or(Duration::from_secs(10), |ms| {
      Duration::from_secs_f64(ms / 1e3)
    });
  let config = ConnectionManagerConfig::new()
    .set_connection_timeout(Some(timeout))
    .set_number_of_retries(options.max_retries.unwrap_or(10) as usize)
    .set_max_delay(Duration::from_secs(2));
  let (push_tx, pushes) = mpsc::unbounded_channel();
  Ok(state.resource_table.add(RedisClient {
    client,
    config,
    commands: OnceCell::new(),
    subscriber: OnceCell::new(),
    pushes: Mutex::new(Some(pushes)),
    push_tx,
    stop: Notify::new(),
  }))
}

fn client(
  state: &Rc<RefCell<OpState>>,
  rid: ResourceId,
) -> Result<Rc<RedisClient>, RedisOpError> {
  state
    .borrow()
    .resource_table
    .get::<RedisClient>(rid)
    .map_err(|_| RedisOpError::Connection("Connection closed".into()))
}

/// A reply as JS values: maps as objects, sets as arrays, bulk strings as
/// (lossy UTF-8) strings.
fn to_json(value: Value) -> Result<serde_json::Value, RedisOpError> {
  use serde_json::Value as J;
  Ok(match value {
    Value::Nil => J::Null,
    Value::Int(n) => J::from(n),
    Value::BulkString(bytes) => {
      J::String(String::from_utf8_lossy(&bytes).into())
    }
    Value::SimpleString(s) => J::String(s),
    Value::Okay => J::String("OK".into()),
    Value::Double(d) => J::from(d),
    Value::Boolean(b) => J::Bool(b),
    Value::VerbatimString { text, .. } => J::String(text),
    Value::Array(items)
    | Value::Set(items)
    | Value::Push { data: items, .. } => {
      J::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
    }
    Value::Map(pairs) => {
      let mut map = serde_json::Map::with_capacity(pairs.len());
      for (k, v) in pairs {
        let key = match to_json(k)? {
          J::String(s) => s,
          other => other.to_string(),
        };
        map.insert(key, to_json(v)?);
      }
      J::Object(map)
    }
    Value::Attribute { data, .. } => to_json(*data)?,
    Value::ServerError(e) => {
      return Err(RedisOpError::Server(match e.details() {
        Some(d) => format!("{} {d}", e.code()),
        None => e.code().to_string(),
      }));
    }
    other => J::String(format!("{other:?}")),
  })
}

fn command(
  args: &[String],
  last: Option<&[u8]>,
) -> Result<redis::Cmd, RedisOpError> {
  let (name, rest) = args.split_first().ok_or_else(|| {
    RedisOpError::Invalid("a command name is required".into())
  })?;
  let mut cmd = redis::cmd(name);
  for arg in rest {
    cmd.arg(arg.as_str());
  }
  if let Some(bytes) = last {
    cmd.arg(bytes);
  }
  Ok(cmd)
}

async fn query(
  state: Rc<RefCell<OpState>>,
  rid: ResourceId,
  cmd: redis::Cmd,
) -> Result<Value, RedisOpError> {
  let client = client(&state, rid)?;
  let mut conn = client.commands().await?;
  Ok(cmd.query_async(&mut conn).await?)
}

/// The outcome of one command of a batch: `[0, reply]`, `[1, message]` for
/// an error reply, `[2, message]` for a connection failure.
type Outcome = (u8, serde_json::Value);

fn outcome(result: Result<Value, RedisOpError>) -> Outcome {
  match result.and_then(to_json) {
    Ok(value) => (0, value),
    Err(RedisOpError::Server(m)) => (1, m.into()),
    Err(e) => (2, e.to_string().into()),
  }
}

/// The commands JS queued in one turn, sent together: each is its own
/// request on the multiplexed connection (so they are pipelined), and each
/// answers on its own. One op per batch instead of one per command.
#[op2]
#[serde]
pub(crate) async fn op_redis_batch(
  state: Rc<RefCell<OpState>>,
  #[smi] rid: ResourceId,
  #[serde] commands: Vec<Vec<String>>,
) -> Result<Vec<Outcome>, RedisOpError> {
  let conn = client(&state, rid)?.commands().await?;
  let requests = commands.iter().map(|args| {
    let mut conn = conn.clone();
    async move {
      let cmd = command(args, None)?;
      Ok::<Value, RedisOpError>(cmd.query_async(&mut conn).await?)
    }
  });
  Ok(
    futures::future::join_all(requests)
      .await
      .into_iter()
      .map(outcome)
      .collect(),
  )
}

/// A command whose last argument is bytes (`set(key, Uint8Array)`).
#[op2]
#[serde]
pub(crate) async fn op_redis_command_bytes(
  state: Rc<RefCell<OpState>>,
  #[smi] rid: ResourceId,
  #[serde] args: Vec<String>,
  #[buffer(copy)] last: Vec<u8>,
) -> Result<serde_json::Value, RedisOpError> {
  to_json(query(state, rid, command(&args, Some(&last))?).await?)
}

/// `getBuffer(key)`: a bulk reply as bytes (null when missing).
#[op2]
#[buffer]
pub(crate) async fn op_redis_command_buffer(
  state: Rc<RefCell<OpState>>,
  #[smi] rid: ResourceId,
  #[serde] args: Vec<String>,
) -> Result<Option<Vec<u8>>, RedisOpError> {
  match query(state, rid, command(&args, None)?).await? {
    Value::BulkString(bytes) => Ok(Some(bytes)),
    Value::SimpleString(s) => Ok(Some(s.into_bytes())),
    Value::Okay => Ok(Some(b"OK".to_vec())),
    _ => Ok(None),
  }
}

/// `connect()`: opens the command connection now.
#[op2]
pub(crate) async fn op_redis_connect(
  state: Rc<RefCell<OpState>>,
  #[smi] rid: ResourceId,
) -> Result<(), RedisOpError> {
  client(&state, rid)?.commands().await.map(|_| ())
}

/// `subscribe`/`psubscribe` (`on`) or `unsubscribe`/`punsubscribe` (not
/// `on`) of a channel or (`pattern`) a pattern, on the subscriber connection.
#[op2]
pub(crate) async fn op_redis_subscription(
  state: Rc<RefCell<OpState>>,
  #[smi] rid: ResourceId,
  #[string] channel: String,
  pattern: bool,
  on: bool,
) -> Result<(), RedisOpError> {
  let mut conn = client(&state, rid)?.subscriber().await?;
  match (on, pattern) {
    (true, false) => conn.subscribe(&channel).await?,
    (true, true) => conn.psubscribe(&channel).await?,
    (false, false) => conn.unsubscribe(&channel).await?,
    (false, true) => conn.punsubscribe(&channel).await?,
  }
  Ok(())
}

/// Ends a pending `op_redis_next_message` (nothing is subscribed any more).
#[op2(fast)]
pub(crate) fn op_redis_stop(state: &mut OpState, #[smi] rid: ResourceId) {
  if let Ok(client) = state.resource_table.get::<RedisClient>(rid) {
    client.stop.notify_one();
  }
}

/// The next published message: `[channel, message, pattern]` (pattern ""
/// for a plain subscription), or null once stopped or closed.
#[op2]
#[serde]
pub(crate) async fn op_redis_next_message(
  state: Rc<RefCell<OpState>>,
  #[smi] rid: ResourceId,
) -> Result<Option<(String, String, String)>, RedisOpError> {
  let client = client(&state, rid)?;
  let mut guard = client.pushes.lock().await;
  let Some(pushes) = guard.as_mut() else {
    return Ok(None);
  };
  let text = |v: &Value| match v {
    Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
    Value::SimpleString(s) => s.clone(),
    other => format!("{other:?}"),
  };
  loop {
    let push = tokio::select! {
      push = pushes.recv() => push,
      () = client.stop.notified() => None,
    };
    let Some(push) = push else { return Ok(None) };
    match (push.kind, push.data.as_slice()) {
      (PushKind::Message, [channel, message]) => {
        return Ok(Some((text(channel), text(message), String::new())));
      }
      (PushKind::PMessage, [pattern, channel, message]) => {
        return Ok(Some((text(channel), text(message), text(pattern))));
      }
      _ => {}
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn maps_buns_schemes() {
    assert_eq!(
      connection_url("redis://localhost:6379").unwrap(),
      "redis://localhost:6379?protocol=resp3"
    );
    assert_eq!(
      connection_url("valkeys://h/0?x=1").unwrap(),
      "rediss://h/0?x=1&protocol=resp3"
    );
    assert!(matches!(
      connection_url("http://x"),
      Err(RedisOpError::Invalid(_))
    ));
  }
}
