//! rt's deno_core extensions and the plain-Rust protocol code under them.
//!
//! Everything the startup snapshot holds lives here, so that `rt`'s build
//! script and its binary compile the same crate:
//!
//! - `ext`: one deno_core extension per area, each folder holding its op
//!   adapters and its JS (see `src/ext/README.md`), and the table of rt's
//!   public JS surface (`ext/surface.rs`);
//! - the protocol code they adapt: `server` (Bun.serve on hyper), `client`
//!   (fetch and the WebSocket handshake), `ws` (WebSocket connections and
//!   pub/sub), `net` (TCP and Unix sockets), `verify` (certificate checks
//!   for both ends of TLS) and `util` (digests, passwords, header pairs, a
//!   latch);
//! - `errors`: the one table of error codes (JS class and `.code`) that
//!   Rust and JS throw from.
#![cfg_attr(
  test,
  allow(clippy::unwrap_used, reason = "a panic fails the test")
)]

pub mod client;
pub mod errors;
pub mod ext;
pub mod net;
pub mod server;
pub mod util;
pub mod verify;
pub mod ws;
