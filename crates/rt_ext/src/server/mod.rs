//! rt's HTTP server in plain Rust (no JS types): the `Bun.serve` server, its
//! route table, response bodies and WebSockets. `src/ext/serve.rs` adapts it to ops.

pub mod body;
pub mod compress;
pub mod conn;
pub mod core;
pub mod file;
pub mod flow;
pub mod framing;
pub mod group;
pub mod h2;
pub mod routes;
pub mod tls;
pub mod ws;
