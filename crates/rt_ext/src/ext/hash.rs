//! Ops behind `Bun.CryptoHasher`, `Bun.SHA256` and friends, `Bun.hash`
//! (`js/bun/hash.js`) and `Bun.password` (`js/bun/password.js`).
//!
//! A hasher is a cppgc object owned by its JS wrapper, so it is freed with
//! it. Strings are hashed as UTF-8 by the `_str` variants, which spares JS
//! an encode per call.

use std::cell::RefCell;

use deno_core::GarbageCollected;
use deno_core::op2;

use crate::util::hash::Engine;
use crate::util::hash::Fast;
use crate::util::hash::HashError;
use crate::util::hash::engine;
use crate::util::password;
use crate::util::password::Algorithm;
use crate::util::password::PasswordError;

/// A running digest held by a `Bun.CryptoHasher`.
pub struct Hasher(RefCell<Box<dyn Engine>>);

// SAFETY: a Hasher holds no JS values, so there is nothing to trace.
unsafe impl GarbageCollected for Hasher {
  fn trace(&self, _visitor: &mut deno_core::v8::cppgc::Visitor) {}

  fn get_name(&self) -> &'static std::ffi::CStr {
    c"CryptoHasher"
  }
}

/// `new Bun.CryptoHasher(algorithm, key?)`.
#[op2]
#[cppgc]
pub fn op_bun_hasher_new(
  #[string] algorithm: &str,
  #[anybuffer] key: Option<&[u8]>,
) -> Result<Hasher, HashError> {
  Ok(Hasher(RefCell::new(engine(algorithm, key)?)))
}

/// The digest's length in bytes.
#[op2(fast)]
pub fn op_bun_hasher_size(#[cppgc] hasher: &Hasher) -> u32 {
  hasher.0.borrow().size() as u32
}

/// `update(bytes)`.
#[op2(fast)]
pub fn op_bun_hasher_update(#[cppgc] hasher: &Hasher, #[buffer] data: &[u8]) {
  hasher.0.borrow_mut().update(data);
}

/// `update(string)`, as UTF-8.
#[op2(fast)]
pub fn op_bun_hasher_update_str(
  #[cppgc] hasher: &Hasher,
  #[string] data: &str,
) {
  hasher.0.borrow_mut().update(data.as_bytes());
}

/// `digest()`: the bytes, and the hasher starts over.
#[op2]
#[buffer]
pub fn op_bun_hasher_digest(#[cppgc] hasher: &Hasher) -> Vec<u8> {
  hasher.0.borrow_mut().finish()
}

/// `copy()`.
#[op2]
#[cppgc]
pub fn op_bun_hasher_copy(#[cppgc] hasher: &Hasher) -> Hasher {
  Hasher(RefCell::new(hasher.0.borrow().fork()))
}

/// `Bun.SHA256.hash(bytes)` and friends: one digest of one input.
#[op2]
#[buffer]
pub fn op_bun_digest_once(
  #[string] algorithm: &str,
  #[anybuffer] data: &[u8],
) -> Result<Vec<u8>, HashError> {
  let mut e = engine(algorithm, None)?;
  e.update(data);
  Ok(e.finish())
}

/// `Bun.SHA256.hash(string)`.
#[op2]
#[buffer]
pub fn op_bun_digest_once_str(
  #[string] algorithm: &str,
  #[string] data: &str,
) -> Result<Vec<u8>, HashError> {
  let mut e = engine(algorithm, None)?;
  e.update(data.as_bytes());
  Ok(e.finish())
}

/// `Bun.hash.<variant>(bytes, seed)`; `kind` indexes [`Fast`].
#[op2(fast)]
#[bigint]
pub fn op_bun_hash(
  kind: u32,
  #[buffer] data: &[u8],
  #[bigint] seed: u64,
) -> u64 {
  Fast::from_index(kind).map_or(0, |f| f.hash(data, seed))
}

/// `Bun.hash.<variant>(string, seed)`, as UTF-8.
#[op2(fast)]
#[bigint]
pub fn op_bun_hash_str(
  kind: u32,
  #[string] data: &str,
  #[bigint] seed: u64,
) -> u64 {
  Fast::from_index(kind).map_or(0, |f| f.hash(data.as_bytes(), seed))
}

fn options(
  algorithm: &str,
  memory_cost: u32,
  time_cost: u32,
  cost: u32,
) -> Result<password::Options, PasswordError> {
  // 0 means "not given" (JS checked the ranges that Bun checks there).
  let given = |v: u32| (v != 0).then_some(v);
  Ok(password::Options {
    algorithm: Algorithm::parse(algorithm).ok_or_else(|| {
      PasswordError::Option(format!("unknown algorithm {algorithm}"))
    })?,
    memory_cost: given(memory_cost),
    time_cost: given(time_cost),
    cost: given(cost),
  })
}

async fn off_thread<T: Send + 'static>(
  work: impl FnOnce() -> Result<T, PasswordError> + Send + 'static,
) -> Result<T, PasswordError> {
  tokio::task::spawn_blocking(work)
    .await
    .unwrap_or_else(|e| Err(PasswordError::Hash(e.to_string())))
}

/// `Bun.password.hash`, on the blocking pool.
#[op2]
#[string]
pub async fn op_bun_password_hash(
  #[buffer(copy)] password: Vec<u8>,
  #[string] algorithm: String,
  memory_cost: u32,
  time_cost: u32,
  cost: u32,
) -> Result<String, PasswordError> {
  let options = options(&algorithm, memory_cost, time_cost, cost)?;
  off_thread(move || password::hash(&password, options)).await
}

/// `Bun.password.hashSync`.
#[op2]
#[string]
pub fn op_bun_password_hash_sync(
  #[buffer] password: &[u8],
  #[string] algorithm: &str,
  memory_cost: u32,
  time_cost: u32,
  cost: u32,
) -> Result<String, PasswordError> {
  password::hash(password, options(algorithm, memory_cost, time_cost, cost)?)
}

/// `Bun.password.verify`, on the blocking pool; `algorithm` "" when not given.
#[op2]
pub async fn op_bun_password_verify(
  #[buffer(copy)] password: Vec<u8>,
  #[string] hash: String,
  #[string] algorithm: String,
) -> Result<bool, PasswordError> {
  let expected = Algorithm::parse(&algorithm);
  off_thread(move || password::verify(&password, &hash, expected)).await
}

/// `Bun.password.verifySync`.
#[op2(fast)]
pub fn op_bun_password_verify_sync(
  #[buffer] password: &[u8],
  #[string] hash: &str,
  #[string] algorithm: &str,
) -> Result<bool, PasswordError> {
  password::verify(password, hash, Algorithm::parse(algorithm))
}
