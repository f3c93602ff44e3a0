//! Ops behind the Node built-ins in `js/node/`: files (`node:fs`), the
//! machine (`node:os`) and digests (`node:crypto`). Each file op has a sync
//! form (`readFileSync`) and an async one that runs on tokio's blocking
//! pool, so `fs.promises` never blocks the event loop.

use std::path::Path;

use deno_core::op2;
use hmac::Mac;
use serde::Serialize;
use sha2::Digest;

/// Errors of the Node built-in ops, with Node's `code`s.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum NodeError {
  /// A failed file system call, as Node words it:
  /// `ENOENT: no such file or directory, open '/x'`.
  #[class(generic)]
  #[error("{code}: {description}, {syscall} '{path}'")]
  #[property("code" = self.code())]
  #[property("errno" = self.errno())]
  #[property("syscall" = self.syscall())]
  #[property("path" = self.path())]
  Fs {
    code: &'static str,
    /// Node's negative errno (`-2` for ENOENT).
    errno: i32,
    description: String,
    syscall: &'static str,
    path: String,
  },
  /// `createHash("nope")`.
  #[class(generic)]
  #[error("Digest method not supported: {0}")]
  #[property("code" = "ERR_CRYPTO_INVALID_DIGEST")]
  Digest(String),
}

impl NodeError {
  fn code(&self) -> &'static str {
    match self {
      Self::Fs { code, .. } => code,
      Self::Digest(_) => "ERR_CRYPTO_INVALID_DIGEST",
    }
  }

  fn errno(&self) -> i32 {
    match self {
      Self::Fs { errno, .. } => *errno,
      Self::Digest(_) => 0,
    }
  }

  fn syscall(&self) -> &'static str {
    match self {
      Self::Fs { syscall, .. } => syscall,
      Self::Digest(_) => "",
    }
  }

  fn path(&self) -> String {
    match self {
      Self::Fs { path, .. } => path.clone(),
      Self::Digest(_) => String::new(),
    }
  }

  pub(crate) fn fs(
    err: std::io::Error,
    syscall: &'static str,
    path: &str,
  ) -> Self {
    let (code, description) = match err.raw_os_error() {
      Some(libc::ENOENT) => ("ENOENT", "no such file or directory"),
      Some(libc::EEXIST) => ("EEXIST", "file already exists"),
      Some(libc::ENOTDIR) => ("ENOTDIR", "not a directory"),
      Some(libc::EISDIR) => ("EISDIR", "illegal operation on a directory"),
      Some(libc::EACCES) => ("EACCES", "permission denied"),
      Some(libc::EPERM) => ("EPERM", "operation not permitted"),
      Some(libc::ENOTEMPTY) => ("ENOTEMPTY", "directory not empty"),
      Some(libc::EMFILE) => ("EMFILE", "too many open files"),
      Some(libc::EINVAL) => ("EINVAL", "invalid argument"),
      _ => ("EIO", ""),
    };
    let description = if description.is_empty() {
      err.to_string()
    } else {
      description.to_string()
    };
    Self::Fs {
      code,
      errno: -err.raw_os_error().unwrap_or(libc::EIO),
      description,
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
        code: "ERR_FS_EISDIR",
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
  super::off_thread(work, |e| {
    NodeError::fs(std::io::Error::other(e), "spawn", "")
  })
  .await
}

#[op2]
#[buffer]
pub fn op_node_fs_read_sync(
  #[string] path: &str,
) -> Result<Vec<u8>, NodeError> {
  read_file(path)
}

#[op2]
#[buffer]
pub async fn op_node_fs_read(
  #[string] path: String,
) -> Result<Vec<u8>, NodeError> {
  blocking(move || read_file(&path)).await
}

#[op2(fast)]
pub fn op_node_fs_write_sync(
  #[string] path: &str,
  #[buffer] data: &[u8],
  append: bool,
) -> Result<(), NodeError> {
  write_file(path, data, append)
}

#[op2]
pub async fn op_node_fs_write(
  #[string] path: String,
  #[buffer(copy)] data: Vec<u8>,
  append: bool,
) -> Result<(), NodeError> {
  blocking(move || write_file(&path, &data, append)).await
}

#[op2]
#[serde]
pub fn op_node_fs_stat_sync(
  #[string] path: &str,
  follow: bool,
) -> Result<Stat, NodeError> {
  stat(path, follow)
}

#[op2]
#[serde]
pub async fn op_node_fs_stat(
  #[string] path: String,
  follow: bool,
) -> Result<Stat, NodeError> {
  blocking(move || stat(&path, follow)).await
}

#[op2]
#[serde]
pub fn op_node_fs_readdir_sync(
  #[string] path: &str,
) -> Result<Vec<(String, u8)>, NodeError> {
  read_dir(path)
}

#[op2]
#[serde]
pub async fn op_node_fs_readdir(
  #[string] path: String,
) -> Result<Vec<(String, u8)>, NodeError> {
  blocking(move || read_dir(&path)).await
}

#[op2(fast)]
pub fn op_node_fs_mkdir_sync(
  #[string] path: &str,
  recursive: bool,
) -> Result<(), NodeError> {
  mkdir(path, recursive)
}

#[op2]
pub async fn op_node_fs_mkdir(
  #[string] path: String,
  recursive: bool,
) -> Result<(), NodeError> {
  blocking(move || mkdir(&path, recursive)).await
}

#[op2(fast)]
pub fn op_node_fs_rm_sync(
  #[string] path: &str,
  recursive: bool,
  force: bool,
) -> Result<(), NodeError> {
  rm(path, recursive, force)
}

#[op2]
pub async fn op_node_fs_rm(
  #[string] path: String,
  recursive: bool,
  force: bool,
) -> Result<(), NodeError> {
  blocking(move || rm(&path, recursive, force)).await
}

#[op2(fast)]
pub fn op_node_fs_exists_sync(#[string] path: &str) -> bool {
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

#[op2]
#[serde]
pub fn op_node_os_info() -> OsInfo {
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

/// `createHash(alg).update(...).digest()`, over the whole input at once.
#[op2]
#[buffer]
pub fn op_node_hash(
  #[string] algorithm: &str,
  #[buffer] data: &[u8],
) -> Result<Vec<u8>, NodeError> {
  Ok(match algorithm.to_ascii_lowercase().as_str() {
    "md5" => md5::Md5::digest(data).to_vec(),
    "sha1" => sha1::Sha1::digest(data).to_vec(),
    "sha224" => sha2::Sha224::digest(data).to_vec(),
    "sha256" => sha2::Sha256::digest(data).to_vec(),
    "sha384" => sha2::Sha384::digest(data).to_vec(),
    "sha512" => sha2::Sha512::digest(data).to_vec(),
    other => return Err(NodeError::Digest(other.to_string())),
  })
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
  // HMAC takes keys of any length; new_from_slice cannot fail for it.
  match <M as hmac::digest::KeyInit>::new_from_slice(key) {
    Ok(mut m) => {
      m.update(data);
      m.finalize().into_bytes().to_vec()
    }
    Err(_) => Vec::new(),
  }
}

/// `createHmac(alg, key).update(...).digest()`.
#[op2]
#[buffer]
pub fn op_node_hmac(
  #[string] algorithm: &str,
  #[buffer] key: &[u8],
  #[buffer] data: &[u8],
) -> Result<Vec<u8>, NodeError> {
  use hmac::Hmac;
  Ok(match algorithm.to_ascii_lowercase().as_str() {
    "md5" => mac::<Hmac<md5::Md5>>(key, data),
    "sha1" => mac::<Hmac<sha1::Sha1>>(key, data),
    "sha224" => mac::<Hmac<sha2::Sha224>>(key, data),
    "sha256" => mac::<Hmac<sha2::Sha256>>(key, data),
    "sha384" => mac::<Hmac<sha2::Sha384>>(key, data),
    "sha512" => mac::<Hmac<sha2::Sha512>>(key, data),
    other => return Err(NodeError::Digest(other.to_string())),
  })
}
