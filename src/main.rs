//! The `rt` binary.

fn main() {
  tune_allocator();
  let code = rt::cli::main_with_args(std::env::args_os().collect());
  std::process::exit(code);
}

/// Keeps large blocks (request and response bodies of a MiB or more) in the
/// heap instead of mmap-ing and unmapping them per request: with glibc's
/// defaults a 1 MiB response cost two page-fault storms per request.
///
/// One arena: nearly every allocation happens on the JS thread, and glibc
/// gives a second thread an mmap'd arena that it grows by one `mprotect`
/// per page run: 1,336 calls while an empty script starts (strace -c),
/// about 2 ms of a 21 ms start.
fn tune_allocator() {
  #[cfg(target_env = "gnu")]
  // SAFETY: mallopt only changes allocator thresholds; called before any
  // other thread exists.
  unsafe {
    libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
    libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    libc::mallopt(libc::M_ARENA_MAX, 1);
  }
}
