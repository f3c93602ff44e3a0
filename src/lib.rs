//! rt: a Bun-compatible JavaScript runtime HTTP layer on deno_core.
//!
//! The binary (`src/main.rs`) is a thin CLI over this library; tests and
//! benches use the library directly where they need a runtime in-process.
//! The extensions (ops, JS) and the protocol code live in `rt_ext`
//! (`crates/rt_ext`), which the build script shares for the snapshot.

#![cfg_attr(
  test,
  allow(clippy::unwrap_used, reason = "a panic fails the test")
)]

pub mod cli;
pub mod modules;
pub mod runtime;
pub mod test;
pub mod wpt;
