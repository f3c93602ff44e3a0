//! Ops behind Web Workers (`new Worker(...)`, and `self` inside one).
//!
//! A worker is a whole runtime on a thread of its own. Building a runtime
//! is the embedder's job (`runtime/` in the rt crate builds this extension),
//! so the ops get a [`WorkerFactory`] from the op state instead of calling
//! it. Messages travel on a pair of deno_web message ports, so structured
//! clone and transfer are deno_web's; what this module adds is the
//! worker's life: open, uncaught errors, exit and terminate.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::OnceLock;

use deno_core::OpState;
use deno_core::ResourceId;
use deno_core::TransferredResource as _;
use deno_core::op2;
use deno_core::v8;
use serde::Deserialize;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::mpsc::unbounded_channel;

use crate::util::latch::Latch;

/// The message port type workers talk over (deno_web's).
pub use deno_web::MessagePort;

/// Errors from the worker ops.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum WorkerError {
  /// The embedder gave this runtime no way to start workers.
  #[class(generic)]
  #[error("Workers are not available in this runtime")]
  Unavailable,
  /// The thread could not be started.
  #[class(generic)]
  #[error("Failed to start the worker: {0}")]
  Spawn(String),
  /// `importScripts` could not load a script.
  #[class("NetworkError")]
  #[error("Failed to load script {url}: {reason}")]
  Load {
    /// The script's URL.
    url: String,
    /// Why.
    reason: String,
  },
}

/// What a worker tells its parent, besides messages.
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum WorkerEvent {
  /// The worker's runtime exists and its module is about to load.
  Open,
  /// An uncaught exception or unhandled rejection ended the worker.
  #[serde(rename_all = "camelCase")]
  Error {
    /// The exception's message, as `Uncaught Error: ...`.
    message: String,
    /// Where it was thrown, when known.
    filename: String,
    /// 1-based line, 0 when unknown.
    lineno: u32,
    /// 1-based column, 0 when unknown.
    colno: u32,
  },
  /// The worker ended with this exit code; nothing follows.
  Exit {
    /// `process.exitCode`, or 1 after an uncaught error.
    code: i32,
  },
}

/// Stops a worker from any thread: sets the flag, wakes its event loop and
/// interrupts running JS.
#[derive(Default)]
pub struct WorkerControl {
  terminated: Latch,
  /// The code the first `terminate` gave.
  exit_code: OnceLock<i32>,
  isolate: Mutex<Option<v8::IsolateHandle>>,
}

impl WorkerControl {
  /// Registers the worker's isolate once it exists (a terminate that came
  /// earlier is applied at once).
  pub fn set_isolate(&self, handle: v8::IsolateHandle) {
    // Stored before the flag is read, under the lock `terminate` takes
    // after setting it: one of the two always sees the other.
    let mut isolate = self.isolate.lock().unwrap_or_else(|e| e.into_inner());
    if self.is_terminated() {
      handle.terminate_execution();
    }
    *isolate = Some(handle);
  }

  /// Ends the worker with `code` (first call wins).
  pub fn terminate(&self, code: i32) {
    if self.exit_code.set(code).is_err() {
      return;
    }
    self.terminated.set();
    if let Some(handle) =
      &*self.isolate.lock().unwrap_or_else(|e| e.into_inner())
    {
      handle.terminate_execution();
    }
  }

  /// Whether `terminate` was called.
  pub fn is_terminated(&self) -> bool {
    self.terminated.is_set()
  }

  /// The code `terminate` was given.
  pub fn exit_code(&self) -> i32 {
    self.exit_code.get().copied().unwrap_or(0)
  }

  /// Resolves once `terminate` has been called.
  pub async fn terminated(&self) {
    self.terminated.wait().await;
  }
}

/// Everything a new worker's thread needs.
pub struct WorkerSpec {
  /// The parent's id for it (`worker.threadId`).
  pub id: u32,
  /// The module to run: a `file:` URL, or a path relative to the working
  /// directory (as Bun resolves a bare path).
  pub specifier: String,
  /// `name` option (`self.name`).
  pub name: String,
  /// Extra `process.argv` entries.
  pub argv: Vec<String>,
  /// `process.env` for the worker; the parent's environment when `None`.
  pub env: Option<HashMap<String, String>>,
  /// Run the script as a classic script (`type: "classic"`), with
  /// `importScripts`; else as a module.
  pub classic: bool,
  /// The worker's end of the message channel.
  pub port: deno_web::MessagePort,
  /// Where the worker reports open, errors and exit.
  pub events: UnboundedSender<WorkerEvent>,
  /// Shared with the parent's `terminate()`.
  pub control: Arc<WorkerControl>,
}

/// Starts a worker thread; put in the op state by the embedder.
pub type WorkerFactory = Rc<dyn Fn(WorkerSpec) -> Result<(), String>>;

/// Put in a worker runtime's op state: what `self` is built from.
pub struct WorkerScope {
  /// The message port to the parent.
  pub port: ResourceId,
  /// `self.name`.
  pub name: String,
  /// The worker's script URL (the base of `importScripts`).
  pub url: String,
  /// Lets `close()` and `process.exit()` end the worker (not the process).
  pub control: Arc<WorkerControl>,
}

impl WorkerScope {
  /// Adds `port` to the runtime's resources and the scope to its state.
  pub fn install(
    state: &mut OpState,
    port: deno_web::MessagePort,
    name: String,
    url: String,
    control: Arc<WorkerControl>,
  ) {
    let port = state.resource_table.add_rc_dyn(Box::new(port).receive());
    state.put(Self {
      port,
      name,
      url,
      control,
    });
  }
}

struct WorkerHandle {
  events: Rc<RefCell<UnboundedReceiver<WorkerEvent>>>,
  control: Arc<WorkerControl>,
}

/// The workers this runtime started.
#[derive(Default)]
struct WorkerTable {
  next: u32,
  workers: HashMap<u32, WorkerHandle>,
}

/// `new Worker` options, as JS checked them.
#[derive(Deserialize)]
pub struct WorkerOptionsJs {
  name: String,
  argv: Vec<String>,
  env: Option<HashMap<String, String>>,
  classic: bool,
}

/// Starts a worker: returns its id and the parent's message port.
#[op2]
#[serde]
pub(crate) fn op_worker_create(
  state: &mut OpState,
  #[string] specifier: String,
  #[serde] options: WorkerOptionsJs,
) -> Result<(u32, ResourceId), WorkerError> {
  let factory = state
    .try_borrow::<WorkerFactory>()
    .cloned()
    .ok_or(WorkerError::Unavailable)?;
  if !state.has::<WorkerTable>() {
    state.put(WorkerTable::default());
  }
  let table = state.borrow_mut::<WorkerTable>();
  table.next += 1;
  let id = table.next;
  let (parent, child) = deno_web::create_entangled_message_port();
  let (tx, rx) = unbounded_channel();
  let control = Arc::new(WorkerControl::default());
  factory(WorkerSpec {
    id,
    specifier,
    name: options.name,
    argv: options.argv,
    env: options.env,
    classic: options.classic,
    port: child,
    events: tx,
    control: control.clone(),
  })
  .map_err(WorkerError::Spawn)?;
  state.borrow_mut::<WorkerTable>().workers.insert(
    id,
    WorkerHandle {
      events: Rc::new(RefCell::new(rx)),
      control,
    },
  );
  let port = state.resource_table.add_rc_dyn(Box::new(parent).receive());
  Ok((id, port))
}

/// The worker's next event; `None` after its exit.
#[op2]
#[serde]
pub(crate) async fn op_worker_event(
  state: Rc<RefCell<OpState>>,
  #[smi] id: u32,
) -> Option<WorkerEvent> {
  let events = state
    .borrow()
    .try_borrow::<WorkerTable>()
    .and_then(|t| t.workers.get(&id))
    .map(|w| w.events.clone())?;
  let event =
    std::future::poll_fn(|cx| events.borrow_mut().poll_recv(cx)).await;
  if matches!(event, None | Some(WorkerEvent::Exit { .. }))
    && let Some(table) = state.borrow_mut().try_borrow_mut::<WorkerTable>()
  {
    table.workers.remove(&id);
  }
  event
}

/// `worker.terminate()`.
#[op2(fast)]
pub(crate) fn op_worker_terminate(state: &mut OpState, #[smi] id: u32) {
  if let Some(worker) = state
    .try_borrow::<WorkerTable>()
    .and_then(|t| t.workers.get(&id))
  {
    worker.control.terminate(0);
  }
}

/// Inside a worker: `[port, name, url]`; null on the main thread.
#[op2]
#[serde]
pub(crate) fn op_worker_scope(
  state: &mut OpState,
) -> Option<(ResourceId, String, String)> {
  state
    .try_borrow::<WorkerScope>()
    .map(|s| (s.port, s.name.clone(), s.url.clone()))
}

/// `close()` or `process.exit(code)` inside a worker: ends it (the process
/// goes on). Returns `false` on the main thread.
#[op2(fast)]
pub(crate) fn op_worker_exit(state: &mut OpState, #[smi] code: i32) -> bool {
  match state.try_borrow::<WorkerScope>() {
    Some(scope) => {
      scope.control.terminate(code);
      true
    }
    None => false,
  }
}

/// Loads a classic script's source for `importScripts` (or a classic
/// worker): `file:` URLs from disk, `http(s):` over the network; blocking,
/// as `importScripts` is synchronous.
pub fn load_script(url: &str) -> Result<String, WorkerError> {
  let failed = |reason: String| WorkerError::Load {
    url: url.to_string(),
    reason,
  };
  let parsed =
    deno_core::url::Url::parse(url).map_err(|e| failed(e.to_string()))?;
  match parsed.scheme() {
    "file" => {
      let path = parsed
        .to_file_path()
        .map_err(|()| failed("not a local path".into()))?;
      std::fs::read_to_string(path).map_err(|e| failed(e.to_string()))
    }
    "http" | "https" => {
      crate::client::get_text_blocking(&parsed).map_err(failed)
    }
    other => Err(failed(format!("unsupported scheme {other}:"))),
  }
}

/// `importScripts(url)`: the script's source, to be evaluated by JS.
#[op2]
#[string]
pub(crate) fn op_worker_load_script(
  #[string] url: String,
) -> Result<String, WorkerError> {
  load_script(&url)
}
