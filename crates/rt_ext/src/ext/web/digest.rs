//! Digests for JS: a running digest (`Bun.CryptoHasher`, `node:crypto`'s
//! Hash and Hmac) over the engines in [`crate::util::hash`].
//!
//! A hasher is a cppgc object owned by its JS wrapper, so it is freed with
//! it. Strings are hashed as UTF-8 by the `_str` variant, which spares JS
//! an encode per call, and text digests are encoded here.

use std::cell::RefCell;

use deno_core::GarbageCollected;
use deno_core::op2;

use crate::util::hash::Engine;
use crate::util::hash::HashError;
use crate::util::hash::encode_digest;
use crate::util::hash::engine;

/// A running digest held by a `Bun.CryptoHasher` or a `node:crypto` Hash.
pub struct Hasher(RefCell<Box<dyn Engine>>);

// SAFETY: a Hasher holds no JS values, so there is nothing to trace.
unsafe impl GarbageCollected for Hasher {
  fn trace(&self, _visitor: &mut deno_core::v8::cppgc::Visitor) {}

  fn get_name(&self) -> &'static std::ffi::CStr {
    c"CryptoHasher"
  }
}

/// `new Bun.CryptoHasher(algorithm, key?)`, `createHash`/`createHmac`.
#[op2]
#[cppgc]
pub(crate) fn op_hasher_new(
  #[string] algorithm: &str,
  #[anybuffer] key: Option<&[u8]>,
) -> Result<Hasher, HashError> {
  Ok(Hasher(RefCell::new(engine(algorithm, key)?)))
}

/// The digest's length in bytes.
#[op2(fast)]
pub(crate) fn op_hasher_size(#[cppgc] hasher: &Hasher) -> u32 {
  hasher.0.borrow().size() as u32
}

/// The algorithm names `Bun.CryptoHasher.algorithms` lists (and
/// `node:crypto` accepts), in Bun's order.
#[op2]
#[serde]
pub(crate) fn op_hasher_algorithms() -> Vec<&'static str> {
  crate::util::hash::ALGORITHMS.to_vec()
}

/// `update(bytes)`.
#[op2(fast)]
pub(crate) fn op_hasher_update(
  #[cppgc] hasher: &Hasher,
  #[buffer] data: &[u8],
) {
  hasher.0.borrow_mut().update(data);
}

/// `update(string)`, as UTF-8.
#[op2(fast)]
pub(crate) fn op_hasher_update_str(
  #[cppgc] hasher: &Hasher,
  #[string] data: &str,
) {
  hasher.0.borrow_mut().update(data.as_bytes());
}

/// `digest()`: the bytes, and the hasher starts over.
#[op2]
#[buffer]
pub(crate) fn op_hasher_digest(#[cppgc] hasher: &Hasher) -> Vec<u8> {
  hasher.0.borrow_mut().finish()
}

/// `digest("hex" | "base64" | "base64url")`: the text, made here (a JS
/// loop over the bytes costs more than the digest).
#[op2]
#[string]
pub(crate) fn op_hasher_digest_text(
  #[cppgc] hasher: &Hasher,
  encoding: u32,
) -> Option<String> {
  let bytes = hasher.0.borrow_mut().finish();
  encode_digest(&bytes, encoding)
}

/// `copy()`.
#[op2]
#[cppgc]
pub(crate) fn op_hasher_copy(#[cppgc] hasher: &Hasher) -> Hasher {
  Hasher(RefCell::new(hasher.0.borrow().fork()))
}
