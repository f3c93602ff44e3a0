//! rt's deno_core extension and the plain-Rust protocol code under it.
//!
//! Everything the startup snapshot holds lives here, so that `rt`'s build
//! script and its binary compile the same crate: `ext` (the op adapters and
//! the JS shim in `js/`), and the protocol code they adapt: `server`
//! (Bun.serve on hyper), `client` (fetch and the WebSocket handshake) and
//! `ws` (WebSocket connections and pub/sub), `net` (TCP and Unix sockets
//! for node:net and Bun.listen/connect) and `util` (hashing and password
//! hashing for `Bun`'s utilities).

pub mod client;
pub mod errors;
pub mod ext;
pub mod net;
pub mod server;
pub mod util;
pub mod verify;
pub mod ws;
