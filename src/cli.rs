//! The command line: `rt run`, and `rt <file>` as its shorthand (as `bun <file>`).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;
use clap::Subcommand;

use crate::runtime::ClassicScripts;
use crate::runtime::ScriptOptions;
use crate::runtime::run_script;
use rt_ext::ext::serve::state::ServeOverrides;

/// A Bun-compatible JavaScript runtime.
#[derive(Parser, Debug)]
#[command(name = "rt", version, about, disable_help_subcommand = true)]
pub struct Cli {
  /// Load environment variables from these files instead of `.env`,
  /// `.env.$NODE_ENV` and `.env.local` (repeatable).
  #[arg(long = "env-file", global = true, value_name = "FILE")]
  env_file: Vec<PathBuf>,
  #[command(subcommand)]
  command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
  /// Run a JavaScript module until its event loop is empty.
  Run {
    /// Share pub/sub topics with other processes through Redis
    /// (`redis://host:port`; default `$RT_PUBSUB_URL`).
    #[arg(long, value_name = "URL")]
    pubsub: Option<String>,
    /// The entry module.
    file: PathBuf,
    /// Arguments for the script (`process.argv.slice(2)`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
  },
  /// Serve a module: its default export `{ fetch, routes }`, or the servers
  /// it starts with `Bun.serve`. Prints the listening URL.
  Serve {
    /// Port for every server the script starts (0 = any free port).
    #[arg(long)]
    port: Option<u16>,
    /// Address to listen on.
    #[arg(long)]
    hostname: Option<String>,
    /// Run N copies of the app, each on its own thread and JS runtime,
    /// sharing the port and pub/sub topics (`auto`: one per core).
    #[arg(long, value_name = "N|auto", value_parser = parse_workers)]
    workers: Option<usize>,
    /// How the replicas share the port: `reuseport` (each listens, the
    /// kernel spreads connections by a hash) or `handoff` (one acceptor
    /// hands connections to the replicas in turn).
    #[arg(long, value_name = "MODE", default_value = "reuseport", value_parser = ["reuseport", "handoff"])]
    workers_accept: String,
    /// Share pub/sub topics with other processes through Redis
    /// (`redis://host:port`; default `$RT_PUBSUB_URL`).
    #[arg(long, value_name = "URL")]
    pubsub: Option<String>,
    /// The entry module.
    file: PathBuf,
    /// Arguments for the script.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
  },
  /// Run web-platform-tests from `../shared/wpt` (or `$WPT_ROOT`) against
  /// the expectations in `wpt/expectations/`.
  Wpt(crate::wpt::WptArgs),
  /// Run tests written with `bun:test` (`*.test.ts`, `*_test.js`,
  /// `*.spec.*`, ...), each file in its own process, as `bun test` does.
  Test(crate::test::TestArgs),
  /// Runs one test file's tests (used by `rt test`).
  #[command(hide = true)]
  TestRun(crate::test::TestRunArgs),
  /// Runs one test page's classic scripts in order (used by `rt wpt`).
  #[command(hide = true)]
  WptRun {
    /// The page URL (`location`).
    #[arg(long)]
    location: String,
    /// The scripts, in page order.
    #[arg(required = true)]
    files: Vec<PathBuf>,
  },
}

/// Parses the arguments and runs the command; returns the exit code.
pub fn main_with_args(args: Vec<OsString>) -> i32 {
  let args = shorthand(args);
  let cli = match Cli::try_parse_from(args) {
    Ok(cli) => cli,
    Err(e) => {
      let code = if e.use_stderr() { 1 } else { 0 };
      let _ = e.print();
      return code;
    }
  };
  if matches!(cli.command, Command::Test(_))
    && std::env::var_os("NODE_ENV").is_none()
  {
    // Bun runs tests with NODE_ENV=test (and so reads .env.test).
    // SAFETY: no other thread exists yet.
    unsafe { std::env::set_var("NODE_ENV", "test") };
  }
  if matches!(
    cli.command,
    Command::Run { .. } | Command::Serve { .. } | Command::TestRun(_)
  ) {
    let (files, required) = if cli.env_file.is_empty() {
      let cwd = std::env::current_dir().unwrap_or_default();
      (crate::modules::dotenv::default_files(&cwd), false)
    } else {
      (cli.env_file, true)
    };
    if let Err(e) = crate::modules::dotenv::load(&files, required) {
      eprintln!("error: {e}");
      return 1;
    }
  }
  match cli.command {
    Command::Run { file, args, pubsub } => {
      let group = match pubsub_group(pubsub, false, Default::default()) {
        Ok(group) => group,
        Err(code) => return code,
      };
      run_script(ScriptOptions {
        main: file,
        args,
        group: group.map(sole_member),
        ..Default::default()
      })
    }
    Command::Wpt(args) => crate::wpt::main(args),
    Command::Test(args) => crate::test::main(args),
    Command::TestRun(args) => crate::test::run_file(args),
    Command::WptRun { location, files } => run_script(ScriptOptions {
      main: files[0].clone(),
      classic: Some(ClassicScripts { location, files }),
      ..Default::default()
    }),
    Command::Serve {
      port,
      hostname,
      workers,
      workers_accept,
      pubsub,
      file,
      args,
    } => {
      let workers = workers.unwrap_or(1);
      let balance = if workers_accept == "handoff" {
        rt_ext::server::group::Balance::Handoff
      } else {
        rt_ext::server::group::Balance::ReusePort
      };
      let group = match pubsub_group(pubsub, workers > 1, balance) {
        Ok(group) => group,
        Err(code) => return code,
      };
      let serve = ServeOverrides {
        port,
        hostname,
        announce: true,
      };
      match group {
        Some(group) if workers > 1 => {
          let app = crate::runtime::cluster::ReplicaApp {
            main: file,
            args,
            serve,
          };
          crate::runtime::cluster::serve_replicas(&app, workers, &group)
        }
        group => run_script(ScriptOptions {
          main: file,
          args,
          serve: Some(serve),
          group: group.map(sole_member),
          ..Default::default()
        }),
      }
    }
  }
}

/// `--workers`: a count from 1, or `auto` (one per core).
fn parse_workers(value: &str) -> Result<usize, String> {
  if value == "auto" {
    return Ok(crate::runtime::cluster::auto_replicas());
  }
  match value.parse::<usize>() {
    Ok(n) if (1..=1024).contains(&n) => Ok(n),
    _ => Err(format!(
      "expected a number from 1 to 1024 or `auto`, got \"{value}\""
    )),
  }
}

/// The group the runtimes of this process share: with several replicas, or
/// with a Redis backplane (`--pubsub`, else `$RT_PUBSUB_URL`). `Err` is the
/// exit code after a bad URL was reported.
/// The one process of a pub/sub group when there are no `--workers`
/// replicas: replica 0.
fn sole_member(
  group: std::sync::Arc<rt_ext::server::group::ServeGroup>,
) -> rt_ext::server::group::GroupMember {
  rt_ext::server::group::GroupMember { group, replica: 0 }
}

fn pubsub_group(
  pubsub: Option<String>,
  workers: bool,
  balance: rt_ext::server::group::Balance,
) -> Result<Option<std::sync::Arc<rt_ext::server::group::ServeGroup>>, i32> {
  let url = pubsub
    .or_else(|| std::env::var("RT_PUBSUB_URL").ok())
    .filter(|u| !u.is_empty());
  let backplane = match url {
    Some(url) => match rt_ext::ws::backplane::Backplane::start(&url) {
      Ok(backplane) => Some(backplane),
      Err(e) => {
        eprintln!("error: {e}");
        return Err(1);
      }
    },
    None => None,
  };
  if !workers && backplane.is_none() {
    return Ok(None);
  }
  Ok(Some(std::sync::Arc::new(
    rt_ext::server::group::ServeGroup::new(workers, balance, backplane),
  )))
}

/// `rt file.js ...` means `rt run file.js ...`.
fn shorthand(mut args: Vec<OsString>) -> Vec<OsString> {
  let known = [
    "run",
    "serve",
    "wpt",
    "wpt-run",
    "test",
    "test-run",
    "help",
    "-h",
    "--help",
    "-V",
    "--version",
  ];
  // Global flags may come first: `rt --env-file .env.test app.ts`.
  let mut at = 1;
  while let Some(arg) = args.get(at).map(|a| a.to_string_lossy().into_owned()) {
    if arg == "--env-file" {
      at += 2;
    } else if arg.starts_with("--env-file=") {
      at += 1;
    } else {
      break;
    }
  }
  if let Some(first) = args.get(at) {
    let first_str = first.to_string_lossy();
    if !known.contains(&first_str.as_ref()) && !first_str.starts_with('-') {
      args.insert(at, OsString::from("run"));
    }
  }
  args
}

#[cfg(test)]
mod tests {
  use super::*;

  fn os(v: &[&str]) -> Vec<OsString> {
    v.iter().map(OsString::from).collect()
  }

  #[test]
  fn a_bare_file_means_run() {
    assert_eq!(
      shorthand(os(&["rt", "a.js", "x"])),
      os(&["rt", "run", "a.js", "x"])
    );
    assert_eq!(
      shorthand(os(&["rt", "run", "a.js"])),
      os(&["rt", "run", "a.js"])
    );
    assert_eq!(
      shorthand(os(&["rt", "--version"])),
      os(&["rt", "--version"])
    );
    assert_eq!(
      shorthand(os(&["rt", "--env-file", "e", "a.ts"])),
      os(&["rt", "--env-file", "e", "run", "a.ts"])
    );
  }

  #[test]
  fn script_flags_are_passed_through() {
    let cli =
      Cli::try_parse_from(os(&["rt", "run", "a.js", "--port", "1", "-x"]))
        .unwrap();
    let Command::Run { args, .. } = cli.command else {
      panic!("expected run");
    };
    assert_eq!(args, vec!["--port", "1", "-x"]);
  }
}
