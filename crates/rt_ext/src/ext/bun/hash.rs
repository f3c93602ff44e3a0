//! Ops behind `Bun.SHA256` and friends' one-shot `hash()`, `Bun.hash`
//! (`hash.js`) and `Bun.password` (`password.js`); `Bun.CryptoHasher`'s
//! running digests are `ext/web/digest.rs`'s (`node:crypto` shares them).
//!
//! Strings are hashed as UTF-8 by the `_str` variants, which spares JS an
//! encode per call, and text digests are encoded here. `escapeHTML` is here
//! too: QuickJS's regex replace with a callback costs microseconds.

use deno_core::op2;

use crate::util::hash::Fast;
use crate::util::hash::HashError;
use crate::util::hash::digest;
use crate::util::hash::encode_digest;
use crate::util::password;
use crate::util::password::Algorithm;
use crate::util::password::PasswordError;

/// `Bun.SHA256.hash(bytes)` and friends: one digest of one input.
#[op2]
#[buffer]
pub(crate) fn op_bun_digest_once(
  #[string] algorithm: &str,
  #[buffer] data: &[u8],
) -> Result<Vec<u8>, HashError> {
  digest(algorithm, data)
}

/// `Bun.SHA256.hash(string)`.
#[op2]
#[buffer]
pub(crate) fn op_bun_digest_once_str(
  #[string] algorithm: &str,
  #[string] data: &str,
) -> Result<Vec<u8>, HashError> {
  digest(algorithm, data.as_bytes())
}

/// `Bun.SHA256.hash(bytes, "hex")` and the other text encodings.
#[op2]
#[string]
pub(crate) fn op_bun_digest_once_text(
  #[string] algorithm: &str,
  #[buffer] data: &[u8],
  encoding: u32,
) -> Result<Option<String>, HashError> {
  Ok(encode_digest(&digest(algorithm, data)?, encoding))
}

/// `Bun.SHA256.hash(string, "hex")` and the other text encodings.
#[op2]
#[string]
pub(crate) fn op_bun_digest_once_str_text(
  #[string] algorithm: &str,
  #[string] data: &str,
  encoding: u32,
) -> Result<Option<String>, HashError> {
  Ok(encode_digest(
    &digest(algorithm, data.as_bytes())?,
    encoding,
  ))
}

thread_local! {
  /// The high half of the last 64-bit hash, for `op_bun_hash_high`.
  static HIGH: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Returns the low half of a hash and keeps the high half: BigInts across
/// the op boundary cost about 15 us each on the QuickJS backend, and a
/// typed-array out-parameter about 2 us, two u32 results nearly nothing.
fn split(hash: u64) -> u32 {
  HIGH.with(|h| h.set((hash >> 32) as u32));
  hash as u32
}

/// A seed from the two 32-bit halves JS passes.
fn seed(lo: u32, hi: u32) -> u64 {
  (hi as u64) << 32 | lo as u64
}

/// `Bun.hash.<variant>(bytes, seed)`: `kind` indexes [`Fast`], the seed
/// comes as two halves; returns the low half of the hash.
#[op2(fast)]
pub(crate) fn op_bun_hash(
  kind: u32,
  #[buffer] data: &[u8],
  seed_lo: u32,
  seed_hi: u32,
) -> u32 {
  let seed = seed(seed_lo, seed_hi);
  split(Fast::from_index(kind).map_or(0, |f| f.hash(data, seed)))
}

/// `Bun.hash.<variant>(string, seed)`, as UTF-8.
#[op2(fast)]
pub(crate) fn op_bun_hash_str(
  kind: u32,
  #[string] data: &str,
  seed_lo: u32,
  seed_hi: u32,
) -> u32 {
  let seed = seed(seed_lo, seed_hi);
  split(Fast::from_index(kind).map_or(0, |f| f.hash(data.as_bytes(), seed)))
}

/// The high half of the hash the last `op_bun_hash*` call computed.
#[op2(fast)]
pub(crate) fn op_bun_hash_high() -> u32 {
  HIGH.with(|h| h.get())
}

/// `Bun.escapeHTML(string)`: `None` when nothing needs escaping (JS keeps
/// its string, no copy back).
#[op2]
#[string]
pub(crate) fn op_bun_escape_html(#[string] text: &str) -> Option<String> {
  let first = text
    .bytes()
    .position(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))?;
  let mut out = String::with_capacity(text.len() + 16);
  out.push_str(&text[..first]);
  for c in text[first..].chars() {
    match c {
      '&' => out.push_str("&amp;"),
      '<' => out.push_str("&lt;"),
      '>' => out.push_str("&gt;"),
      '"' => out.push_str("&quot;"),
      '\'' => out.push_str("&#x27;"),
      c => out.push(c),
    }
  }
  Some(out)
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
  crate::ext::off_thread(work, PasswordError::Hash).await
}

/// `Bun.password.hash`, on the blocking pool.
#[op2]
#[string]
pub(crate) async fn op_bun_password_hash(
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
pub(crate) fn op_bun_password_hash_sync(
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
pub(crate) async fn op_bun_password_verify(
  #[buffer(copy)] password: Vec<u8>,
  #[string] hash: String,
  #[string] algorithm: String,
) -> Result<bool, PasswordError> {
  let expected = Algorithm::parse(&algorithm);
  off_thread(move || password::verify(&password, &hash, expected)).await
}

/// `Bun.password.verifySync`.
#[op2(fast)]
pub(crate) fn op_bun_password_verify_sync(
  #[buffer] password: &[u8],
  #[string] hash: &str,
  #[string] algorithm: &str,
) -> Result<bool, PasswordError> {
  password::verify(password, hash, Algorithm::parse(algorithm))
}
