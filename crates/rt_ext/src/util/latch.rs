//! A flag that is set once and can be awaited, from any thread.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering;

use tokio::sync::Notify;

/// Set once (the first [`Latch::set`] wins); [`Latch::wait`] resolves from
/// then on. rt uses it wherever something waits for a one-way event: a
/// fetch's abort, a client leaving, a worker's termination, a drain.
#[derive(Debug, Default)]
pub struct Latch {
  set: AtomicBool,
  notify: Notify,
}

impl Latch {
  /// Sets the latch and wakes every waiter; `false` if it was set already.
  pub fn set(&self) -> bool {
    if self.set.swap(true, Ordering::AcqRel) {
      return false;
    }
    self.notify.notify_waiters();
    true
  }

  /// Whether the latch is set.
  pub fn is_set(&self) -> bool {
    self.set.load(Ordering::Acquire)
  }

  /// Resolves once the latch is set (at once if it is).
  pub async fn wait(&self) {
    // A `Notified` hears `notify_waiters` from the moment it exists, so
    // making it before the check leaves no gap for a `set` to slip into.
    let notified = self.notify.notified();
    if self.is_set() {
      return;
    }
    notified.await;
  }
}

#[cfg(test)]
mod tests {
  use std::sync::Arc;

  use super::*;

  #[tokio::test]
  async fn waiters_wake_once_and_late_waiters_return_at_once() {
    let latch = Arc::new(Latch::default());
    let waiter = tokio::spawn({
      let latch = latch.clone();
      async move { latch.wait().await }
    });
    tokio::task::yield_now().await;
    assert!(!latch.is_set());
    assert!(latch.set());
    assert!(!latch.set(), "the first set wins");
    waiter.await.expect("the waiter resolves");
    latch.wait().await;
  }
}
