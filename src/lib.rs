//! rt: a Bun-compatible JavaScript runtime HTTP layer on deno_core.
//!
//! The binary (`src/main.rs`) is a thin CLI over this library; tests and
//! benches use the library directly where they need a runtime in-process.

pub mod cli;
pub mod client;
pub mod ext;
pub mod runtime;
pub mod server;
pub mod wpt;
pub mod ws;
