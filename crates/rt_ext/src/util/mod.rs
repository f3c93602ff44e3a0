//! Plain-Rust pieces shared across rt: digests and hashes
//! (`Bun.CryptoHasher`, `Bun.hash`, `node:crypto`), password hashing
//! (`Bun.password`), header pairs from JS, and a one-way latch.

pub mod hash;
pub mod headers;
pub mod latch;
pub mod password;
