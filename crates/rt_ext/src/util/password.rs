//! Password hashing behind `Bun.password`: argon2 (id, i, d) in PHC strings
//! and bcrypt in `$2b$` strings, as Bun writes them.
//!
//! Bun's defaults: argon2id, 64 MiB (`m=65536`), two passes (`t=2`), one
//! lane, a 32-byte salt and a 32-byte hash; bcrypt at cost 10. bcrypt reads
//! only 72 bytes of a password, so a longer one is first reduced to its
//! SHA-512 digest, which is what Bun does (its hashes of long passwords
//! verify here and the other way round).

use argon2::PasswordHash;
use argon2::PasswordHasher;
use argon2::PasswordVerifier;
use hmac::digest::Digest;

use crate::errors::Code;
use crate::errors::Coded;

/// Errors from hashing or verifying, with Bun's messages and codes.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
  /// An option is out of range (cost, memory, time).
  #[error("{0}")]
  Option(String),
  /// The hash names no algorithm rt knows.
  #[error("Password verification failed with error \"UnsupportedAlgorithm\"")]
  Unsupported,
  /// The hash names an algorithm but cannot be parsed.
  #[error("Password verification failed with error \"InvalidEncoding\"")]
  Encoding,
  /// The hashing itself failed (for example, no system randomness).
  #[error("Password hashing failed: {0}")]
  Hash(String),
}

impl Coded for PasswordError {
  fn code(&self) -> Code {
    match self {
      Self::Option(_) => Code::InvalidArgType,
      Self::Unsupported => Code::PasswordUnsupportedAlgorithm,
      Self::Encoding => Code::PasswordInvalidEncoding,
      Self::Hash(_) => Code::PasswordHashFailed,
    }
  }
}

crate::coded_error!(PasswordError);

/// An algorithm `Bun.password.hash` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
  /// argon2id (the default).
  Argon2id,
  /// argon2i.
  Argon2i,
  /// argon2d.
  Argon2d,
  /// bcrypt, `$2b$`.
  Bcrypt,
}

impl Algorithm {
  /// The algorithm for Bun's name of it.
  pub fn parse(name: &str) -> Option<Self> {
    Some(match name {
      "argon2id" => Self::Argon2id,
      "argon2i" => Self::Argon2i,
      "argon2d" => Self::Argon2d,
      "bcrypt" => Self::Bcrypt,
      _ => return None,
    })
  }

  /// The algorithm a stored hash was made with.
  fn of_hash(hash: &str) -> Option<Self> {
    if hash.starts_with("$argon2id$") {
      Some(Self::Argon2id)
    } else if hash.starts_with("$argon2i$") {
      Some(Self::Argon2i)
    } else if hash.starts_with("$argon2d$") {
      Some(Self::Argon2d)
    } else if ["$2a$", "$2b$", "$2x$", "$2y$"]
      .iter()
      .any(|p| hash.starts_with(p))
    {
      Some(Self::Bcrypt)
    } else {
      None
    }
  }
}

/// `hash()`'s options, defaults applied by [`hash`].
#[derive(Clone, Copy, Debug)]
pub struct Options {
  /// Which algorithm.
  pub algorithm: Algorithm,
  /// argon2 memory in KiB.
  pub memory_cost: Option<u32>,
  /// argon2 passes.
  pub time_cost: Option<u32>,
  /// bcrypt's log2 rounds (4..=31).
  pub cost: Option<u32>,
}

/// bcrypt's input: the password, or its SHA-512 digest past 72 bytes.
fn bcrypt_input(password: &[u8]) -> std::borrow::Cow<'_, [u8]> {
  if password.len() > 72 {
    sha2::Sha512::digest(password).to_vec().into()
  } else {
    password.into()
  }
}

/// Hashes `password` (not empty; the caller checks) as `options` say.
pub fn hash(
  password: &[u8],
  options: Options,
) -> Result<String, PasswordError> {
  let variant = match options.algorithm {
    Algorithm::Bcrypt => {
      let cost = options.cost.unwrap_or(10);
      if !(4..=31).contains(&cost) {
        return Err(PasswordError::Option(
          "Rounds must be an integer between 4 and 31".into(),
        ));
      }
      return bcrypt::hash_with_result(bcrypt_input(password), cost)
        .map(|parts| parts.format_for_version(bcrypt::Version::TwoB))
        .map_err(|e| PasswordError::Hash(e.to_string()));
    }
    Algorithm::Argon2id => argon2::Algorithm::Argon2id,
    Algorithm::Argon2i => argon2::Algorithm::Argon2i,
    Algorithm::Argon2d => argon2::Algorithm::Argon2d,
  };
  let params = argon2::Params::new(
    options.memory_cost.unwrap_or(65_536),
    options.time_cost.unwrap_or(2),
    1,
    Some(32),
  )
  .map_err(|e| PasswordError::Option(format!("Invalid argon2 options: {e}")))?;
  let mut salt = [0u8; 32];
  getrandom::fill(&mut salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
  let salt = argon2::password_hash::SaltString::encode_b64(&salt)
    .map_err(|e| PasswordError::Hash(e.to_string()))?;
  argon2::Argon2::new(variant, argon2::Version::V0x13, params)
    .hash_password(password, &salt)
    .map(|h| h.to_string())
    .map_err(|e| PasswordError::Hash(e.to_string()))
}

/// Whether `password` matches `hash`. `expected`, when given, is the
/// algorithm the caller insists on: a hash of another algorithm is `false`.
pub fn verify(
  password: &[u8],
  hash: &str,
  expected: Option<Algorithm>,
) -> Result<bool, PasswordError> {
  if password.is_empty() || hash.is_empty() {
    return Ok(false);
  }
  let algorithm = Algorithm::of_hash(hash).ok_or(PasswordError::Unsupported)?;
  if expected.is_some_and(|e| e != algorithm) {
    return Ok(false);
  }
  if algorithm == Algorithm::Bcrypt {
    return bcrypt::verify(bcrypt_input(password), hash)
      .map_err(|_| PasswordError::Encoding);
  }
  let parsed = PasswordHash::new(hash).map_err(|_| PasswordError::Encoding)?;
  Ok(
    argon2::Argon2::default()
      .verify_password(password, &parsed)
      .is_ok(),
  )
}

#[cfg(test)]
mod tests {
  use super::*;

  fn opts(algorithm: Algorithm) -> Options {
    Options {
      algorithm,
      memory_cost: Some(256),
      time_cost: Some(1),
      cost: Some(4),
    }
  }

  /// Hashes Bun 1.4.4 made verify here.
  #[test]
  fn verifies_buns_hashes() {
    let bcrypt = "$2b$04$.Zn2p7Pgwof4P87fzvv8n.bVTPVucBZlMmb64Wlv56kIkqbYkqhbq";
    assert!(verify(b"correct horse", bcrypt, None).unwrap());
    assert!(!verify(b"correct horsE", bcrypt, None).unwrap());
    let argon = "$argon2id$v=19$m=256,t=1,p=1$M+da+csVo2xDzXSPUd6qlsRrCm6iq6N378i9YjCU0bo$r+dA8uzLruzc5C3i2HH5vMqRkie225Plb3+6i+HYuq4";
    assert!(verify(b"correct horse", argon, None).unwrap());
    assert!(!verify(b"correct horse", argon, Some(Algorithm::Bcrypt)).unwrap());
    // A 100-byte password: Bun pre-hashes it with SHA-512.
    let long = "$2b$04$9ZGkQY5RPLH7c66Y.U2qNuqkcHVBw9EipXU2gIk4y7dgoMZ.0SEOa";
    assert!(verify(&[b'a'; 100], long, None).unwrap());
    assert!(!verify(&[b'a'; 72], long, None).unwrap());
  }

  #[test]
  fn hashes_in_buns_format() {
    let h = hash(b"pw", opts(Algorithm::Argon2id)).unwrap();
    assert!(h.starts_with("$argon2id$v=19$m=256,t=1,p=1$"), "{h}");
    // 32-byte salt and hash: 43 base64 characters each.
    let parts: Vec<&str> = h.split('$').collect();
    assert_eq!((parts[4].len(), parts[5].len()), (43, 43));
    assert!(verify(b"pw", &h, None).unwrap());
    let b = hash(b"pw", opts(Algorithm::Bcrypt)).unwrap();
    assert!(b.starts_with("$2b$04$") && b.len() == 60, "{b}");
    assert!(verify(b"pw", &b, Some(Algorithm::Bcrypt)).unwrap());
    let bad = Options {
      cost: Some(99),
      ..opts(Algorithm::Bcrypt)
    };
    assert!(matches!(hash(b"pw", bad), Err(PasswordError::Option(_))));
  }

  #[test]
  fn refuses_unknown_and_broken_hashes() {
    assert!(matches!(
      verify(b"x", "garbage", None),
      Err(PasswordError::Unsupported)
    ));
    let broken = format!("$2b$04${}", "x".repeat(53));
    assert!(matches!(
      verify(b"pw", &broken, None),
      Err(PasswordError::Encoding)
    ));
    assert!(!verify(b"", "$2b$04$whatever", None).unwrap());
  }
}
