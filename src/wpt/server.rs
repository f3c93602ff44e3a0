//! wptserve on loopback: started in its own process group with the
//! suite's `loopback.config.json`, stopped by group (SIGINT, then SIGKILL).

use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Child;
use std::process::Command;
use std::process::Stdio;
use std::time::Duration;
use std::time::Instant;

/// The plain-http origin wptserve serves tests on.
pub(super) const HTTP_ORIGIN: &str = "http://localhost:8000";
/// The https origin (its CA is generated into /tmp/wpt-certs).
pub(super) const HTTPS_ORIGIN: &str = "https://localhost:8443";
/// The CA wptserve's `openssl` config generates.
pub(super) const CA_FILE: &str = "/tmp/wpt-certs/cacert.pem";

/// A running wptserve, stopped on drop (unless it was already running).
pub(super) struct WptServer {
  child: Option<Child>,
}

fn answers() -> bool {
  use std::io::Read as _;
  use std::io::Write as _;
  let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", 8000)) else {
    return false;
  };
  let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
  let request =
    b"GET / HTTP/1.1\r\nHost: localhost:8000\r\nConnection: close\r\n\r\n";
  if stream.write_all(request).is_err() {
    return false;
  }
  let mut head = [0u8; 12];
  stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

impl WptServer {
  /// Starts `wpt serve` in `root` (or uses one already answering on 8000)
  /// and waits until it serves.
  pub(super) fn start(root: &Path, log: &Path) -> Result<Self, String> {
    if answers() {
      return Ok(Self { child: None });
    }
    let log_file = std::fs::File::create(log).map_err(|e| e.to_string())?;
    let err_file = log_file.try_clone().map_err(|e| e.to_string())?;
    let child = Command::new("python3")
      .args(["wpt", "serve", "--config", "loopback.config.json"])
      .current_dir(root)
      .env("PYTHONDONTWRITEBYTECODE", "1")
      .stdin(Stdio::null())
      .stdout(log_file)
      .stderr(err_file)
      // Its own group: wptserve's children are stopped with it.
      .process_group(0)
      .spawn()
      .map_err(|e| format!("could not start wpt serve: {e}"))?;
    let mut server = Self { child: Some(child) };
    let deadline = Instant::now() + Duration::from_secs(60);
    while !answers() {
      if let Some(child) = server.child.as_mut()
        && let Ok(Some(status)) = child.try_wait()
      {
        server.child = None;
        return Err(format!(
          "wpt serve exited ({status}); see {}",
          log.display()
        ));
      }
      if Instant::now() > deadline {
        return Err(format!(
          "wpt serve did not answer in 60 s; see {}",
          log.display()
        ));
      }
      std::thread::sleep(Duration::from_millis(200));
    }
    Ok(server)
  }
}

impl Drop for WptServer {
  fn drop(&mut self) {
    let Some(mut child) = self.child.take() else {
      return;
    };
    let group = child.id() as i32;
    // SAFETY: killpg(2) on the process group we created for wptserve.
    unsafe { libc::killpg(group, libc::SIGINT) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
      if let Ok(Some(_)) = child.try_wait() {
        // The children may outlive the parent briefly.
        unsafe { libc::killpg(group, libc::SIGKILL) };
        return;
      }
      std::thread::sleep(Duration::from_millis(50));
    }
    // SAFETY: as above.
    unsafe { libc::killpg(group, libc::SIGKILL) };
    let _ = child.wait();
  }
}
