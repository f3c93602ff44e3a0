//! Ops behind the Node built-ins in `ext/node/`: files (`node:fs`) and the
//! machine (`node:os`). Each file op has a sync
//! form (`readFileSync`) and an async one that runs on tokio's blocking
//! pool, so `fs.promises` never blocks the event loop.

use std::path::Path;

use std::borrow::Cow;

use deno_core::op2;
use deno_error::PropertyValue;
use serde::Serialize;

use crate::errors::Code;
use crate::errors::Coded;
use crate::errors::SystemCode;
use crate::errors::property;

/// Errors of the Node built-in ops: a failed file system call as Node
/// words it (`ENOENT: no such file or directory, open '/x'`), with Node's
/// `code`, `errno`, `syscall` and `path`.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
  /// A failed file system call.
  #[error("{}: {description}, {syscall} '{path}'", code.as_str())]
  Fs {
    /// The row for its errno (`Code::Enoent`, ...).
    code: Code,
    /// Node's errno (negative for OS errors: `-2` for ENOENT).
    errno: i32,
    /// Node's words for the error.
    description: String,
    /// The call that failed (`open`, `rm`, ...).
    syscall: &'static str,
    /// The path it was given.
    path: String,
  },
}

impl Coded for NodeError {
  fn code(&self) -> Code {
    let Self::Fs { code, .. } = self;
    *code
  }

  fn properties(&self) -> Vec<(Cow<'static, str>, PropertyValue)> {
    let Self::Fs {
      errno,
      syscall,
      path,
      ..
    } = self;
    vec![
      property("errno", f64::from(*errno)),
      property("syscall", *syscall),
      property("path", path.clone()),
    ]
  }
}

crate::coded_error!(NodeError);

impl NodeError {
  /// `err` from `syscall` on `path`, as Node reports it.
  pub(crate) fn fs(
    err: std::io::Error,
    syscall: &'static str,
    path: &str,
  ) -> Self {
    let system = SystemCode::of(&err);
    Self::Fs {
      code: system.code,
      errno: system.errno,
      description: system
        .description
        .map_or_else(|| err.to_string(), str::to_string),
      syscall,
      path: path.to_string(),
    }
  }
}

/// What `fs.stat` reports (times in milliseconds since the epoch).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Stat {
  is_file: bool,
  is_directory: bool,
  is_symlink: bool,
  size: u64,
  mode: u32,
  uid: u32,
  gid: u32,
  nlink: u64,
  ino: u64,
  dev: u64,
  mtime_ms: f64,
  atime_ms: f64,
  ctime_ms: f64,
  birthtime_ms: f64,
}

fn stat(path: &str, follow: bool) -> Result<Stat, NodeError> {
  use std::os::unix::fs::MetadataExt;
  let meta = if follow {
    std::fs::metadata(path)
  } else {
    std::fs::symlink_metadata(path)
  }
  .map_err(|e| NodeError::fs(e, if follow { "stat" } else { "lstat" }, path))?;
  let ms = |secs: i64, nsecs: i64| secs as f64 * 1e3 + nsecs as f64 / 1e6;
  let birth = meta
    .created()
    .ok()
    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
    .map(|d| d.as_secs_f64() * 1e3)
    .unwrap_or_else(|| ms(meta.ctime(), meta.ctime_nsec()));
  Ok(Stat {
    is_file: meta.is_file(),
    is_directory: meta.is_dir(),
    is_symlink: meta.file_type().is_symlink(),
    size: meta.size(),
    mode: meta.mode(),
    uid: meta.uid(),
    gid: meta.gid(),
    nlink: meta.nlink(),
    ino: meta.ino(),
    dev: meta.dev(),
    mtime_ms: ms(meta.mtime(), meta.mtime_nsec()),
    atime_ms: ms(meta.atime(), meta.atime_nsec()),
    ctime_ms: ms(meta.ctime(), meta.ctime_nsec()),
    birthtime_ms: birth,
  })
}

fn read_file(path: &str) -> Result<Vec<u8>, NodeError> {
  std::fs::read(path).map_err(|e| NodeError::fs(e, "open", path))
}

/// Writes (or, with `append`, appends) `data` to `path`.
pub(crate) fn write_file(
  path: &str,
  data: &[u8],
  append: bool,
) -> Result<(), NodeError> {
  use std::io::Write;
  let mut file = std::fs::OpenOptions::new()
    .write(true)
    .create(true)
    .append(append)
    .truncate(!append)
    .open(path)
    .map_err(|e| NodeError::fs(e, "open", path))?;
  file
    .write_all(data)
    .map_err(|e| NodeError::fs(e, "write", path))
}

/// Directory entries as `[name, kind]` (0 file, 1 directory, 2 symlink,
/// 3 other), sorted by name.
fn read_dir(path: &str) -> Result<Vec<(String, u8)>, NodeError> {
  let mut entries = Vec::new();
  let dir =
    std::fs::read_dir(path).map_err(|e| NodeError::fs(e, "scandir", path))?;
  for entry in dir {
    let entry = entry.map_err(|e| NodeError::fs(e, "scandir", path))?;
    let kind = match entry.file_type() {
      Ok(t) if t.is_file() => 0,
      Ok(t) if t.is_dir() => 1,
      Ok(t) if t.is_symlink() => 2,
      _ => 3,
    };
    entries.push((entry.file_name().to_string_lossy().into_owned(), kind));
  }
  entries.sort();
  Ok(entries)
}

fn mkdir(path: &str, recursive: bool) -> Result<(), NodeError> {
  let result = if recursive {
    std::fs::create_dir_all(path)
  } else {
    std::fs::create_dir(path)
  };
  result.map_err(|e| NodeError::fs(e, "mkdir", path))
}

fn rm(path: &str, recursive: bool, force: bool) -> Result<(), NodeError> {
  let meta = match std::fs::symlink_metadata(path) {
    Ok(meta) => meta,
    Err(e) if force && e.kind() == std::io::ErrorKind::NotFound => {
      return Ok(());
    }
    Err(e) => return Err(NodeError::fs(e, "rm", path)),
  };
  let result = if meta.is_dir() {
    if recursive {
      std::fs::remove_dir_all(path)
    } else {
      // Node: rm on a directory without `recursive` is an error.
      return Err(NodeError::Fs {
        code: Code::FsEisdir,
        // Node's SystemError carries the positive errno here.
        errno: libc::EISDIR,
        description: "Path is a directory".into(),
        syscall: "rm",
        path: path.to_string(),
      });
    }
  } else {
    std::fs::remove_file(path)
  };
  result.map_err(|e| NodeError::fs(e, "rm", path))
}

/// Runs blocking file work off the event loop.
pub(crate) async fn blocking<T: Send + 'static>(
  work: impl FnOnce() -> Result<T, NodeError> + Send + 'static,
) -> Result<T, NodeError> {
  crate::ext::off_thread(work, |e| {
    NodeError::fs(std::io::Error::other(e), "spawn", "")
  })
  .await
}

/// `fs.readFileSync`: the whole file.
#[op2]
#[buffer]
pub(crate) fn op_node_fs_read_sync(
  #[string] path: &str,
) -> Result<Vec<u8>, NodeError> {
  read_file(path)
}

/// `fs.promises.readFile`, off the event loop.
#[op2]
#[buffer]
pub(crate) async fn op_node_fs_read(
  #[string] path: String,
) -> Result<Vec<u8>, NodeError> {
  blocking(move || read_file(&path)).await
}

/// `fs.writeFileSync` / `appendFileSync`.
#[op2(fast)]
pub(crate) fn op_node_fs_write_sync(
  #[string] path: &str,
  #[buffer] data: &[u8],
  append: bool,
) -> Result<(), NodeError> {
  write_file(path, data, append)
}

/// `fs.promises.writeFile` / `appendFile`, off the event loop.
#[op2]
pub(crate) async fn op_node_fs_write(
  #[string] path: String,
  #[buffer(copy)] data: Vec<u8>,
  append: bool,
) -> Result<(), NodeError> {
  blocking(move || write_file(&path, &data, append)).await
}

/// `fs.statSync` / `lstatSync` (`follow`: stat, else lstat).
#[op2]
#[serde]
pub(crate) fn op_node_fs_stat_sync(
  #[string] path: &str,
  follow: bool,
) -> Result<Stat, NodeError> {
  stat(path, follow)
}

/// `fs.promises.stat` / `lstat`, off the event loop.
#[op2]
#[serde]
pub(crate) async fn op_node_fs_stat(
  #[string] path: String,
  follow: bool,
) -> Result<Stat, NodeError> {
  blocking(move || stat(&path, follow)).await
}

/// `fs.readdirSync`: names with their kinds, sorted.
#[op2]
#[serde]
pub(crate) fn op_node_fs_readdir_sync(
  #[string] path: &str,
) -> Result<Vec<(String, u8)>, NodeError> {
  read_dir(path)
}

/// `fs.promises.readdir`, off the event loop.
#[op2]
#[serde]
pub(crate) async fn op_node_fs_readdir(
  #[string] path: String,
) -> Result<Vec<(String, u8)>, NodeError> {
  blocking(move || read_dir(&path)).await
}

/// `fs.mkdirSync` (`recursive` as Node's option).
#[op2(fast)]
pub(crate) fn op_node_fs_mkdir_sync(
  #[string] path: &str,
  recursive: bool,
) -> Result<(), NodeError> {
  mkdir(path, recursive)
}

/// `fs.promises.mkdir`, off the event loop.
#[op2]
pub(crate) async fn op_node_fs_mkdir(
  #[string] path: String,
  recursive: bool,
) -> Result<(), NodeError> {
  blocking(move || mkdir(&path, recursive)).await
}

/// `fs.rmSync` / `unlinkSync` / `rmdirSync`.
#[op2(fast)]
pub(crate) fn op_node_fs_rm_sync(
  #[string] path: &str,
  recursive: bool,
  force: bool,
) -> Result<(), NodeError> {
  rm(path, recursive, force)
}

/// `fs.promises.rm`, off the event loop.
#[op2]
pub(crate) async fn op_node_fs_rm(
  #[string] path: String,
  recursive: bool,
  force: bool,
) -> Result<(), NodeError> {
  blocking(move || rm(&path, recursive, force)).await
}

/// `fs.existsSync`.
#[op2(fast)]
pub(crate) fn op_node_fs_exists_sync(#[string] path: &str) -> bool {
  Path::new(path).exists()
}

/// Facts `node:os` reports.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OsInfo {
  hostname: String,
  release: String,
  version: String,
  machine: String,
  cpus: usize,
  cpu_model: String,
  total_memory: u64,
  free_memory: u64,
  uptime: u64,
  loadavg: [f64; 3],
}

fn c_field(field: &[libc::c_char]) -> String {
  let bytes: Vec<u8> = field
    .iter()
    .take_while(|c| **c != 0)
    .map(|c| *c as u8)
    .collect();
  String::from_utf8_lossy(&bytes).into_owned()
}

/// What `node:os` reports of the machine, in one call.
#[op2]
#[serde]
pub(crate) fn op_node_os_info() -> OsInfo {
  // SAFETY: uname and sysinfo fill caller-owned, zero-initialised structs.
  let (uts, info) = unsafe {
    let mut uts: libc::utsname = std::mem::zeroed();
    libc::uname(&mut uts);
    let mut info: libc::sysinfo = std::mem::zeroed();
    libc::sysinfo(&mut info);
    (uts, info)
  };
  let unit = u64::from(info.mem_unit.max(1));
  let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
    .ok()
    .and_then(|text| {
      text
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|m| m.trim().to_string())
    })
    .unwrap_or_default();
  let load = |v: libc::c_ulong| v as f64 / 65536.0;
  OsInfo {
    hostname: c_field(&uts.nodename),
    release: c_field(&uts.release),
    version: c_field(&uts.version),
    machine: c_field(&uts.machine),
    cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
    cpu_model,
    total_memory: info.totalram * unit,
    free_memory: info.freeram * unit,
    uptime: info.uptime as u64,
    loadavg: [
      load(info.loads[0]),
      load(info.loads[1]),
      load(info.loads[2]),
    ],
  }
}
