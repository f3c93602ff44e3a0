//! Building a JS runtime and running a script in it to completion.

pub mod cluster;
pub mod error_fmt;
pub mod snapshot;
pub mod worker;

use std::path::Path;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Once;

use deno_core::JsRuntime;
use deno_core::PollEventLoopOptions;
use deno_core::RuntimeOptions;
use deno_core::url::Url;
use deno_error::JsErrorBox;

use rt_ext::ext::serve::state::ServeOverrides;
use rt_ext::ext::test::runner::TestRun;
use rt_ext::ext::web::process::ProcessState;

/// How long in-flight requests get to finish after SIGINT/SIGTERM.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Native stack for the JS thread. The engine is told to use 6 MiB of it
/// (`--stack-size`), which allows deep but not unbounded recursion.
pub(crate) const JS_THREAD_STACK: usize = 16 << 20;

/// Engine flags, set once per process before the first isolate exists.
fn init_engine() {
  static ONCE: Once = Once::new();
  ONCE.call_once(|| {
    // The default stack allows only ~1,490 frames under QuickJS.
    deno_core::v8_set_flags(vec![
      String::from("rt"),
      String::from("--stack-size=6144"),
    ]);
  });
}

/// What makes a runtime a worker's: its port to the parent, its name and
/// the handle `terminate()` stops it by.
pub struct WorkerBoot {
  /// The worker's end of the message channel.
  pub port: rt_ext::ext::web::worker::MessagePort,
  /// `self.name`.
  pub name: String,
  /// The worker's script URL.
  pub url: String,
  /// Shared with the parent.
  pub control: std::sync::Arc<rt_ext::ext::web::worker::WorkerControl>,
}

/// Creates a runtime with the web platform globals, `process` and `Bun`.
/// `page`: keep the hook `run_classic` sets `location` through. `test`:
/// the `rt test` settings `bun:test` reads (and `harness` imports allowed).
/// `worker`: the runtime is a Web Worker's (its global becomes `self`).
pub fn create_runtime(
  process: ProcessState,
  serve: Option<ServeOverrides>,
  page: bool,
  test: Option<TestRun>,
  worker: Option<WorkerBoot>,
) -> JsRuntime {
  init_engine();
  let modules = Rc::new(crate::modules::ModuleHost::default());
  if test.is_some() {
    modules.use_test_harness();
  }
  let mut runtime = JsRuntime::new(RuntimeOptions {
    module_loader: Some(modules.clone()),
    startup_snapshot: Some(snapshot::SNAPSHOT),
    residual_lazy_js_sources: snapshot::RESIDUAL_LAZY_JS,
    residual_lazy_esm_sources: snapshot::RESIDUAL_LAZY_ESM,
    extensions: rt_ext::ext::extensions(process, serve),
    // One store for the whole process: an ArrayBuffer transferred to a
    // worker's runtime is found there by id.
    shared_array_buffer_store: Some(shared_buffers()),
    ..Default::default()
  });
  // require() resolves and loads through the same host as `import`.
  let require_host: rt_ext::ext::node::require::SharedRequireHost = modules;
  runtime.op_state().borrow_mut().put(require_host);
  if let Some(test) = test {
    runtime.op_state().borrow_mut().put(test);
  }
  let is_worker = worker.is_some();
  {
    let state = runtime.op_state();
    let mut state = state.borrow_mut();
    state.put(worker::factory());
    if let Some(boot) = worker {
      rt_ext::ext::web::worker::WorkerScope::install(
        &mut state,
        boot.port,
        boot.name,
        boot.url,
        boot.control,
      );
    }
  }
  // The snapshot keeps `Deno.core` (deno_core binds ops through it when it
  // restores one); a Bun script must not see it. Lazy deno_web scripts keep
  // working: deno_core hands them a captured copy of `__bootstrap`.
  // ECMA-262 §20.5.6.2: each NativeError constructor's [[Prototype]] is
  // %Error%. The QuickJS backend leaves it at %Function.prototype% (which
  // breaks `Object.getPrototypeOf(TypeError) === Error` and testharness's
  // assert_throws_js), and the intrinsics are rebuilt on every start, so
  // this runs here rather than in the snapshot.
  const NATIVE_ERRORS: &str = "for (const E of [EvalError, RangeError, \
    ReferenceError, SyntaxError, TypeError, URIError, AggregateError]) \
    { if (Object.getPrototypeOf(E) !== Error) Object.setPrototypeOf(E, Error); }";
  let cleanup = if page {
    "delete globalThis.Deno; delete globalThis.__bootstrap;"
  } else {
    "delete globalThis.Deno; delete globalThis.__bootstrap; \
     delete globalThis.__rtSetLocation;"
  };
  // Inside a worker the hook makes the global its `self`; elsewhere it is
  // only removed (no op call at start-up).
  let worker_hook = if is_worker {
    "globalThis.__rtWorkerInit(); delete globalThis.__rtWorkerInit;"
  } else {
    "delete globalThis.__rtWorkerInit;"
  };
  let bootstrap = format!("{NATIVE_ERRORS}\n{cleanup}\n{worker_hook}");
  if let Err(e) = runtime.execute_script("ext:rt_web/bootstrap", bootstrap) {
    // Only an engine bug could make two deletes throw; report it plainly.
    eprintln!("error: runtime bootstrap failed: {e}");
  }
  runtime
}

/// The process-wide store transferred ArrayBuffers pass through.
fn shared_buffers() -> deno_core::SharedArrayBufferStore {
  static STORE: std::sync::OnceLock<deno_core::SharedArrayBufferStore> =
    std::sync::OnceLock::new();
  STORE.get_or_init(Default::default).clone()
}

/// What `rt run` was asked to run.
#[derive(Default)]
pub struct ScriptOptions {
  /// The entry module, as given on the command line.
  pub main: PathBuf,
  /// Run `main` and these files as classic scripts in order, as a page
  /// would (`rt wpt-run`), with `location` set to this URL.
  pub classic: Option<ClassicScripts>,
  /// Arguments after the script path (they follow it in `process.argv`).
  pub args: Vec<String>,
  /// `rt serve` flags; `None` under `rt run`.
  pub serve: Option<ServeOverrides>,
  /// `rt test-run`: run `main`'s `bun:test` tests with these settings.
  pub test: Option<TestRun>,
  /// Shared with the other replicas of `--workers N` (ports and pub/sub
  /// hubs), or with the Redis backplane of `--pubsub`.
  pub group: Option<rt_ext::server::group::GroupMember>,
  /// Under `--workers`: drain when this says so (the supervisor handles
  /// signals); otherwise on SIGINT/SIGTERM.
  pub shutdown: Option<std::sync::Arc<cluster::Shutdown>>,
}

/// Classic scripts run in one global, in order (a test page's scripts).
pub struct ClassicScripts {
  /// The page URL: `location`, and the base for relative URLs.
  pub location: String,
  /// The script files, in order.
  pub files: Vec<PathBuf>,
}

/// Runs a script to completion on a thread of its own and returns the
/// process exit code: `process.exitCode` (0 by default), or 1 after an
/// uncaught exception or unhandled rejection, which is printed to stderr.
pub fn run_script(options: ScriptOptions) -> i32 {
  let spawned = std::thread::Builder::new()
    .name("rt-js".into())
    .stack_size(JS_THREAD_STACK)
    .spawn(move || run_script_on_this_thread(options));
  match spawned.map(|handle| handle.join()) {
    Ok(Ok(code)) => code,
    Ok(Err(_)) => 70, // the JS thread panicked; the panic message is printed
    Err(e) => {
      eprintln!("error: could not start the JS thread: {e}");
      1
    }
  }
}

fn run_script_on_this_thread(options: ScriptOptions) -> i32 {
  let main = match resolve_main(&options.main) {
    Ok(path) => path,
    Err(message) => {
      eprintln!("error: {message}");
      return 1;
    }
  };
  let Ok(url) = Url::from_file_path(&main) else {
    eprintln!("error: Module not found \"{}\"", options.main.display());
    return 1;
  };
  let tokio = match tokio::runtime::Builder::new_current_thread()
    .enable_all()
    .build()
  {
    Ok(rt) => rt,
    Err(e) => {
      eprintln!("error: could not start the event loop: {e}");
      return 1;
    }
  };
  let main_str = main.display().to_string();
  let exe = std::env::current_exe()
    .map(|p| p.display().to_string())
    .unwrap_or_else(|_| "rt".into());
  let mut argv = vec![exe, main_str.clone()];
  argv.extend(options.args);
  let process = ProcessState::new(argv, Some(main_str));

  let serve = options.serve;
  let classic = options.classic;
  let testing = options.test.is_some();
  tokio.block_on(async move {
    let mut runtime =
      create_runtime(process, serve, classic.is_some(), options.test, None);
    let op_state = runtime.op_state();
    if let Some(group) = options.group {
      op_state.borrow_mut().put(group);
    }
    let shutdown = options.shutdown;
    let result = {
      let run = async {
        match &classic {
          Some(scripts) => run_classic(&mut runtime, scripts).await,
          None if testing => run_tests(&mut runtime, &url).await,
          None => run_module(&mut runtime, &url).await,
        }
      };
      tokio::pin!(run);
      tokio::select! {
        result = &mut run => result,
        () = drain_requested(shutdown.as_deref()) => {
          // Ctrl-C / SIGTERM: stop accepting, let in-flight requests finish
          // (bounded), then leave even if timers would keep the script alive.
          for server in rt_ext::ext::serve::state::servers(&op_state.borrow()) {
            server.stop(false);
          }
          tokio::select! {
            result = &mut run => result,
            () = stopped_servers_closed(&op_state) => Ok(()),
            () = tokio::time::sleep(SHUTDOWN_GRACE) => Ok(()),
          }
        }
      }
    };
    // The script is done, but a stopped server's connections may still be
    // writing their last responses (they run as tasks beside the script).
    // A test file is done when its tests are: what it left open ends with it.
    if !testing {
      let _ =
        tokio::time::timeout(SHUTDOWN_GRACE, stopped_servers_closed(&op_state))
          .await;
    }
    match result {
      Ok(()) => exit_code(&runtime),
      Err(err) => {
        eprint!("{}", error_fmt::format_core_error(&err));
        1
      }
    }
  })
}

/// Loads the main module, evaluates it and drives the event loop until no
/// work is left.
pub async fn run_module(
  runtime: &mut JsRuntime,
  url: &Url,
) -> Result<(), deno_core::error::CoreError> {
  let id = runtime.load_main_es_module(url).await?;
  let evaluation = runtime.mod_evaluate(id);
  runtime
    .run_event_loop(PollEventLoopOptions::default())
    .await?;
  evaluation.await
}

/// `rt test-run`: imports the test file through `bun:test`'s runner, runs
/// its tests, and returns once they have (servers or timers the tests left
/// behind do not keep the file running, as under `bun test`).
pub async fn run_tests(
  runtime: &mut JsRuntime,
  url: &Url,
) -> Result<(), deno_core::error::CoreError> {
  let entry = Url::parse(crate::modules::TEST_ENTRY)
    .map_err(|e| deno_core::error::CoreError::from(JsErrorBox::from_err(e)))?;
  let code = format!(
    "import t from \"bun:test\";\n\
     const totals = await t[Symbol.for(\"rt.test.run\")]({});\n\
     if (totals.fail > 0) process.exitCode = 1;\n",
    serde_json::Value::from(url.as_str())
  );
  let id = runtime.load_main_es_module_from_code(&entry, code).await?;
  let evaluation = Box::pin(runtime.mod_evaluate(id));
  runtime
    .with_event_loop_future(evaluation, PollEventLoopOptions::default())
    .await
}

/// Runs classic scripts in order (an error stops the page, as an
/// uncaught error would fail a test page), then the event loop.
pub async fn run_classic(
  runtime: &mut JsRuntime,
  scripts: &ClassicScripts,
) -> Result<(), deno_core::error::CoreError> {
  let prelude = format!(
    "globalThis.__rtSetLocation({}, true);",
    serde_json::Value::from(scripts.location.as_str())
  );
  // Blob URLs a page makes carry its origin (`blob:http://host/uuid`).
  if let Ok(url) = url::Url::parse(&scripts.location) {
    rt_ext::ext::set_location(&mut runtime.op_state().borrow_mut(), url);
  }
  runtime.execute_script("ext:rt_web/location", prelude)?;
  for path in &scripts.files {
    let source = std::fs::read_to_string(path).map_err(|e| {
      deno_core::error::CoreError::from(deno_core::error::CoreErrorKind::Io(e))
    })?;
    runtime.execute_script(path.display().to_string(), source)?;
  }
  runtime
    .run_event_loop(PollEventLoopOptions::default())
    .await
}

/// Resolves once every stopped server has closed all its connections.
/// Servers still listening (an unref'd one) are not waited for.
async fn stopped_servers_closed(
  op_state: &std::rc::Rc<std::cell::RefCell<deno_core::OpState>>,
) {
  let servers = rt_ext::ext::serve::state::servers(&op_state.borrow());
  for server in servers.into_iter().filter(|s| s.is_stopping()) {
    server.closed().await;
  }
}

/// Resolves when the supervisor asks for a drain, or else on a signal.
async fn drain_requested(shutdown: Option<&cluster::Shutdown>) {
  match shutdown {
    Some(shutdown) => shutdown.wait().await,
    None => shutdown_signal().await,
  }
}

/// Resolves on SIGINT or SIGTERM (never, if the handlers cannot be installed).
async fn shutdown_signal() {
  use tokio::signal::unix::SignalKind;
  use tokio::signal::unix::signal;
  let (Ok(mut int), Ok(mut term)) = (
    signal(SignalKind::interrupt()),
    signal(SignalKind::terminate()),
  ) else {
    return std::future::pending().await;
  };
  tokio::select! {
    _ = int.recv() => {}
    _ = term.recv() => {}
  }
}

/// `process.exitCode` as last set by the script.
pub fn exit_code(runtime: &JsRuntime) -> i32 {
  let state = runtime.op_state();
  let state = state.borrow();
  state.borrow::<ProcessState>().exit_code.get()
}

/// The absolute path of the entry script, or Bun's message when it is missing.
pub(crate) fn resolve_main(path: &Path) -> Result<PathBuf, String> {
  let absolute = if path.is_absolute() {
    path.to_path_buf()
  } else {
    std::env::current_dir()
      .map_err(|e| format!("cannot read the current directory: {e}"))?
      .join(path)
  };
  let absolute =
    deno_core::normalize_path(std::borrow::Cow::Owned(absolute)).into_owned();
  if absolute.is_file() {
    Ok(absolute)
  } else {
    Err(format!("Module not found \"{}\"", path.display()))
  }
}
