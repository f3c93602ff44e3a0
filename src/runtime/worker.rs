//! The threads behind `new Worker(...)`: each worker is a runtime of its
//! own, built here and handed to the ops as a factory (`ext` cannot build
//! runtimes itself: `runtime` builds `ext`).

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::rc::Rc;

use deno_core::error::CoreErrorKind;
use deno_core::url::Url;

use super::JS_THREAD_STACK;
use super::WorkerBoot;
use super::create_runtime;
use super::exit_code;
use super::resolve_main;
use rt_ext::ext::web::process::ProcessState;
use rt_ext::ext::web::worker::WorkerEvent;
use rt_ext::ext::web::worker::WorkerFactory;
use rt_ext::ext::web::worker::WorkerSpec;

/// The factory every runtime gets, so scripts and workers can start workers.
pub fn factory() -> WorkerFactory {
  Rc::new(spawn)
}

fn spawn(spec: WorkerSpec) -> Result<(), String> {
  std::thread::Builder::new()
    .name(format!("rt-worker-{}", spec.id))
    .stack_size(JS_THREAD_STACK)
    .spawn(move || {
      let events = spec.events.clone();
      // A panic must still tell the parent the worker is gone, or its
      // Worker would keep the process alive forever.
      let code =
        std::panic::catch_unwind(AssertUnwindSafe(|| run(spec))).unwrap_or(70);
      let _ = events.send(WorkerEvent::Exit { code });
    })
    .map(|_| ())
    .map_err(|e| e.to_string())
}

fn error_event(message: String) -> WorkerEvent {
  WorkerEvent::Error {
    message,
    filename: String::new(),
    lineno: 0,
    colno: 0,
  }
}

/// Runs the worker's module to completion; returns its exit code.
fn run(spec: WorkerSpec) -> i32 {
  let WorkerSpec {
    specifier,
    name,
    argv: extra_argv,
    env,
    classic,
    port,
    events,
    control,
    ..
  } = spec;
  let fail = |message: String| {
    let _ = events.send(error_event(message));
    1
  };
  // A classic worker over http(s) (a test page's) has that URL as its
  // location; anything else is a file.
  let remote = Url::parse(&specifier)
    .ok()
    .filter(|u| matches!(u.scheme(), "http" | "https"));
  let (url, main_str) = match remote {
    Some(url) => (url, specifier.clone()),
    None => {
      let path = match Url::parse(&specifier) {
        Ok(url) if url.scheme() == "file" => url.to_file_path().ok(),
        _ => Some(PathBuf::from(&specifier)),
      };
      let main = match path
        .ok_or_else(|| format!("Invalid worker URL \"{specifier}\""))
        .and_then(|p| resolve_main(&p))
      {
        Ok(main) => main,
        Err(message) => return fail(message),
      };
      let Ok(url) = Url::from_file_path(&main) else {
        return fail(format!("Module not found \"{specifier}\""));
      };
      (url, main.display().to_string())
    }
  };
  let page = url.scheme() != "file";
  let source = if classic {
    match rt_ext::ext::web::worker::load_script(url.as_str()) {
      Ok(source) => Some(source),
      Err(e) => return fail(e.to_string()),
    }
  } else {
    None
  };
  let tokio = match tokio::runtime::Builder::new_current_thread()
    .enable_all()
    .build()
  {
    Ok(rt) => rt,
    Err(e) => {
      let _ = events
        .send(error_event(format!("could not start the event loop: {e}")));
      return 1;
    }
  };
  let exe = std::env::current_exe()
    .map(|p| p.display().to_string())
    .unwrap_or_else(|_| "rt".into());
  let mut argv = vec![exe, main_str.clone()];
  argv.extend(extra_argv);
  let mut process = ProcessState::new(argv, Some(main_str));
  process.env = env;
  tokio.block_on(async move {
    let mut runtime = create_runtime(
      process,
      None,
      page,
      None,
      Some(WorkerBoot {
        port,
        name,
        url: url.to_string(),
        control: control.clone(),
      }),
    );
    control.set_isolate(runtime.v8_isolate().thread_safe_handle());
    let _ = events.send(WorkerEvent::Open);
    let result = tokio::select! {
      result = run_worker(&mut runtime, &url, source, page) => result,
      () = control.terminated() => Ok(()),
    };
    if control.is_terminated() {
      return control.exit_code();
    }
    match result {
      Ok(()) => exit_code(&runtime),
      Err(err) => {
        let event = match &*err.0 {
          CoreErrorKind::Js(js) => {
            let frame = js.frames.first();
            WorkerEvent::Error {
              message: js.exception_message.clone(),
              filename: frame
                .and_then(|f| f.file_name.clone())
                .unwrap_or_default(),
              lineno: frame
                .and_then(|f| f.line_number)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
              colno: frame
                .and_then(|f| f.column_number)
                .and_then(|n| u32::try_from(n).ok())
                .unwrap_or(0),
            }
          }
          other => error_event(other.to_string()),
        };
        let _ = events.send(event);
        1
      }
    }
  })
}

/// Runs the worker's script (a module, or `classic` source), then starts
/// delivering the parent's messages (its handlers are set by then), then
/// its event loop. `page`: the worker's location is its URL.
async fn run_worker(
  runtime: &mut deno_core::JsRuntime,
  url: &Url,
  classic: Option<String>,
  page: bool,
) -> Result<(), deno_core::error::CoreError> {
  if page {
    let set = format!(
      "globalThis.__rtSetLocation({});",
      serde_json::Value::from(url.as_str())
    );
    runtime.execute_script("ext:rt_web/location", set)?;
    rt_ext::ext::set_location(
      &mut runtime.op_state().borrow_mut(),
      url.clone(),
    );
  }
  const START: &str = "globalThis.__rtWorkerStart?.();";
  match classic {
    Some(source) => {
      runtime.execute_script(url.to_string(), source)?;
      runtime.execute_script("ext:rt_web/worker_start", START)?;
      runtime
        .run_event_loop(deno_core::PollEventLoopOptions::default())
        .await
    }
    None => {
      let id = runtime.load_main_es_module(url).await?;
      let evaluation = runtime.mod_evaluate(id);
      runtime.execute_script("ext:rt_web/worker_start", START)?;
      runtime
        .run_event_loop(deno_core::PollEventLoopOptions::default())
        .await?;
      evaluation.await
    }
  }
}
