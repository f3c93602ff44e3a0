//! `rt serve --workers N`: N copies of the app (replicas: the word keeps
//! them apart from Web Workers), each a runtime of its own on its own
//! thread (with its own current-thread tokio runtime), listening on one
//! port through SO_REUSEPORT and sharing pub/sub hubs
//! ([`ServeGroup`]). This thread supervises them: a replica that crashes is
//! started again while the others keep serving; SIGINT/SIGTERM drains all.

use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use super::ScriptOptions;
use super::run_script;
use rt_ext::ext::serve::state::ServeOverrides;
use rt_ext::server::group::GroupMember;
use rt_ext::server::group::ServeGroup;
use rt_ext::util::latch::Latch;

/// A replica that crashes this soon after starting, this many times in a
/// row, is not started again (its app cannot start).
const QUICK_CRASH: Duration = Duration::from_secs(1);
const QUICK_CRASHES: u32 = 5;

/// Asks every replica to drain and stop (the replicas' stand-in for a signal).
#[derive(Default)]
pub struct Shutdown(Latch);

impl Shutdown {
  /// Starts the drain everywhere.
  pub fn request(&self) {
    self.0.set();
  }

  /// Whether a drain was asked for.
  pub fn is_requested(&self) -> bool {
    self.0.is_set()
  }

  /// Resolves once a drain is asked for.
  pub async fn wait(&self) {
    self.0.wait().await;
  }
}

/// What every replica runs.
pub struct ReplicaApp {
  /// The entry module.
  pub main: std::path::PathBuf,
  /// The script's arguments.
  pub args: Vec<String>,
  /// `--port` / `--hostname`.
  pub serve: ServeOverrides,
}

/// The number of replicas `--workers auto` means: one per core.
pub fn auto_replicas() -> usize {
  std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Runs `count` replicas of `app` until they all end; returns the exit code
/// (0 after a drain, else the last non-zero code).
pub fn serve_replicas(
  app: &ReplicaApp,
  count: usize,
  group: &Arc<ServeGroup>,
) -> i32 {
  let shutdown = Arc::new(Shutdown::default());
  watch_signals(shutdown.clone());
  let (done_tx, done) = std::sync::mpsc::channel::<(usize, i32)>();
  let start = |index: usize, announce: bool| {
    let options = ScriptOptions {
      main: app.main.clone(),
      args: app.args.clone(),
      serve: Some(ServeOverrides {
        announce,
        ..app.serve.clone()
      }),
      group: Some(GroupMember {
        group: group.clone(),
        replica: index,
      }),
      shutdown: Some(shutdown.clone()),
      ..Default::default()
    };
    let report = done_tx.clone();
    // run_script runs the JS on a thread of its own (with the big stack);
    // this one only waits for it and reports.
    let spawned = std::thread::Builder::new()
      .name(format!("rt-serve-{index}"))
      .stack_size(256 << 10)
      .spawn(move || {
        let code = run_script(options);
        let _ = report.send((index, code));
      });
    if let Err(e) = spawned {
      eprintln!("error: cannot start replica {index}: {e}");
      let _ = done_tx.send((index, 1));
    }
    Instant::now()
  };
  // Only the first replica prints `Listening on ...` (they share the port).
  let mut started: Vec<Instant> =
    (0..count).map(|i| start(i, i == 0)).collect();
  let mut quick_crashes = vec![0u32; count];
  let mut running = count;
  let mut exit = 0;
  while running > 0 {
    let Ok((index, code)) = done.recv() else {
      break;
    };
    if code == 0 || shutdown.is_requested() {
      group.release_replica(index);
      running -= 1;
      continue;
    }
    exit = code;
    if started[index].elapsed() < QUICK_CRASH {
      quick_crashes[index] += 1;
    } else {
      quick_crashes[index] = 0;
    }
    if quick_crashes[index] >= QUICK_CRASHES {
      eprintln!(
        "rt: replica {index} keeps exiting at start (code {code}); not restarting it"
      );
      group.release_replica(index);
      running -= 1;
      continue;
    }
    eprintln!("rt: replica {index} exited with code {code}; restarting it");
    started[index] = start(index, false);
  }
  if shutdown.is_requested() { 0 } else { exit }
}

/// Turns SIGINT/SIGTERM into a drain of every replica (a thread of its own:
/// the replicas do not listen for signals themselves).
fn watch_signals(shutdown: Arc<Shutdown>) {
  let _ =
    std::thread::Builder::new()
      .name("rt-signals".into())
      .spawn(move || {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
          .enable_all()
          .build()
        else {
          return;
        };
        runtime.block_on(super::shutdown_signal());
        shutdown.request();
      });
}
