//! Plain-Rust algorithms behind `Bun`'s utilities: digests and hashes
//! (`Bun.CryptoHasher`, `Bun.hash`) and password hashing (`Bun.password`).

pub mod hash;
pub mod password;
