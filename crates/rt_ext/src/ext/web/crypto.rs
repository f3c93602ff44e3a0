//! Ops behind `crypto.getRandomValues` and `crypto.randomUUID`.
//!
//! Argument validation (integer typed arrays, the 65,536-byte quota) happens
//! in JS, where the DOMException classes live; these ops only produce bytes.

use deno_core::op2;

/// Errors from the operating system's random source.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub enum CryptoError {
  /// getrandom(2) failed, which leaves nothing sensible to return.
  #[class(generic)]
  #[error("the system random number generator failed: {0}")]
  Random(String),
}

/// `crypto.getRandomValues`: fills the buffer from the OS.
#[op2]
pub(crate) fn op_rt_random_fill(
  #[anybuffer] buf: &mut [u8],
) -> Result<(), CryptoError> {
  getrandom::fill(buf).map_err(|e| CryptoError::Random(e.to_string()))
}

/// `crypto.randomUUID()`: a version 4 UUID.
#[op2]
#[string]
pub(crate) fn op_rt_random_uuid() -> Result<String, CryptoError> {
  let mut bytes = [0u8; 16];
  getrandom::fill(&mut bytes)
    .map_err(|e| CryptoError::Random(e.to_string()))?;
  Ok(
    uuid::Builder::from_random_bytes(bytes)
      .into_uuid()
      .hyphenated()
      .to_string(),
  )
}

#[cfg(test)]
mod tests {
  #[test]
  fn uuids_are_version_4() {
    let mut bytes = [7u8; 16];
    getrandom::fill(&mut bytes).unwrap();
    let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
    assert_eq!(id.get_version_num(), 4);
    assert_eq!(id.hyphenated().to_string().len(), 36);
  }
}
