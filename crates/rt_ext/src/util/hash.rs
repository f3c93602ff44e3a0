//! Digests behind `Bun.CryptoHasher` and `Bun.SHA256` and friends, and the
//! non-cryptographic hashes behind `Bun.hash`.
//!
//! Every digest sits behind one object-safe trait, [`Engine`], so that the
//! JS side holds one kind of handle whatever the algorithm, keyed (HMAC) or
//! not. `digest()` resets the engine, as Bun's does.

use hmac::Mac;
use hmac::SimpleHmac;
use hmac::digest::Digest;
use hmac::digest::ExtendableOutput;
use hmac::digest::Update;
use hmac::digest::core_api::BlockSizeUser;

use crate::errors::Code;
use crate::errors::Coded;

/// Errors choosing or keying a digest.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
  /// The algorithm name is not one `Bun.CryptoHasher.algorithms` lists.
  #[error("Unsupported algorithm {0}")]
  Algorithm(String),
  /// An extendable-output function (shake) cannot be keyed.
  #[error("HMAC is not supported for algorithm {0}")]
  Hmac(String),
}

impl Coded for HashError {
  fn code(&self) -> Code {
    match self {
      Self::Algorithm(_) => Code::InvalidArgType,
      Self::Hmac(_) => Code::InvalidArgValue,
    }
  }
}

crate::coded_error!(HashError);

/// The algorithm names `Bun.CryptoHasher.algorithms` lists, in its order.
pub const ALGORITHMS: &[&str] = &[
  "blake2b256",
  "blake2b512",
  "blake2s256",
  "md4",
  "md5",
  "ripemd160",
  "sha1",
  "sha224",
  "sha256",
  "sha384",
  "sha512",
  "sha512-224",
  "sha512-256",
  "sha3-224",
  "sha3-256",
  "sha3-384",
  "sha3-512",
  "shake128",
  "shake256",
];

/// A running digest: fed with [`Engine::update`], read (and reset) with
/// [`Engine::finish`], forked with [`Engine::fork`].
pub trait Engine: Send {
  /// Feeds bytes.
  fn update(&mut self, data: &[u8]);
  /// The digest of everything fed since creation or the last finish; the
  /// engine starts over (with its key, for HMAC).
  fn finish(&mut self) -> Vec<u8>;
  /// An independent copy in the same state.
  fn fork(&self) -> Box<dyn Engine>;
  /// The digest's length in bytes.
  fn size(&self) -> usize;
}

struct Plain<D>(D);

impl<D: Digest + Clone + Send + 'static> Engine for Plain<D> {
  fn update(&mut self, data: &[u8]) {
    Digest::update(&mut self.0, data);
  }
  fn finish(&mut self) -> Vec<u8> {
    std::mem::replace(&mut self.0, D::new()).finalize().to_vec()
  }
  fn fork(&self) -> Box<dyn Engine> {
    Box::new(Plain(self.0.clone()))
  }
  fn size(&self) -> usize {
    <D as Digest>::output_size()
  }
}

/// HMAC keeps its keyed starting state to start over from after a finish.
struct Keyed<D: Digest + BlockSizeUser> {
  start: SimpleHmac<D>,
  now: SimpleHmac<D>,
}

impl<D: Digest + BlockSizeUser + Clone + Send + 'static> Engine for Keyed<D> {
  fn update(&mut self, data: &[u8]) {
    Mac::update(&mut self.now, data);
  }
  fn finish(&mut self) -> Vec<u8> {
    std::mem::replace(&mut self.now, self.start.clone())
      .finalize()
      .into_bytes()
      .to_vec()
  }
  fn fork(&self) -> Box<dyn Engine> {
    Box::new(Keyed {
      start: self.start.clone(),
      now: self.now.clone(),
    })
  }
  fn size(&self) -> usize {
    <D as Digest>::output_size()
  }
}

/// shake128/256 give 16 and 32 bytes, as Bun (and Node's default) do.
struct Shake<X> {
  state: X,
  size: usize,
}

impl<X: Default + Update + ExtendableOutput + Clone + Send + 'static> Engine
  for Shake<X>
{
  fn update(&mut self, data: &[u8]) {
    self.state.update(data);
  }
  fn finish(&mut self) -> Vec<u8> {
    let mut out = vec![0; self.size];
    std::mem::take(&mut self.state).finalize_xof_into(&mut out);
    out
  }
  fn fork(&self) -> Box<dyn Engine> {
    Box::new(Shake {
      state: self.state.clone(),
      size: self.size,
    })
  }
  fn size(&self) -> usize {
    self.size
  }
}

fn make<D>(key: Option<&[u8]>) -> Box<dyn Engine>
where
  D: Digest + BlockSizeUser + Clone + Send + 'static,
{
  match key {
    None => Box::new(Plain(D::new())),
    Some(key) => {
      // SimpleHmac takes keys of any length.
      let start = <SimpleHmac<D> as hmac::digest::KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
      Box::new(Keyed {
        now: start.clone(),
        start,
      })
    }
  }
}

/// A digest for `algorithm` (case-insensitive), HMAC when `key` is given.
pub fn engine(
  algorithm: &str,
  key: Option<&[u8]>,
) -> Result<Box<dyn Engine>, HashError> {
  use blake2::Blake2b512;
  use blake2::Blake2s256;
  type Blake2b256 = blake2::Blake2b<hmac::digest::consts::U32>;
  let name = algorithm.to_ascii_lowercase();
  Ok(match name.as_str() {
    "blake2b256" => make::<Blake2b256>(key),
    "blake2b512" => make::<Blake2b512>(key),
    "blake2s256" => make::<Blake2s256>(key),
    "md4" => make::<md4::Md4>(key),
    "md5" => make::<md5::Md5>(key),
    "ripemd160" => make::<ripemd::Ripemd160>(key),
    "sha1" => make::<sha1::Sha1>(key),
    "sha224" => make::<sha2::Sha224>(key),
    "sha256" => make::<sha2::Sha256>(key),
    "sha384" => make::<sha2::Sha384>(key),
    "sha512" => make::<sha2::Sha512>(key),
    "sha512-224" => make::<sha2::Sha512_224>(key),
    "sha512-256" => make::<sha2::Sha512_256>(key),
    "sha3-224" => make::<sha3::Sha3_224>(key),
    "sha3-256" => make::<sha3::Sha3_256>(key),
    "sha3-384" => make::<sha3::Sha3_384>(key),
    "sha3-512" => make::<sha3::Sha3_512>(key),
    "shake128" | "shake256" if key.is_some() => {
      return Err(HashError::Hmac(name));
    }
    "shake128" => Box::new(Shake {
      state: sha3::Shake128::default(),
      size: 16,
    }),
    "shake256" => Box::new(Shake {
      state: sha3::Shake256::default(),
      size: 32,
    }),
    _ => return Err(HashError::Algorithm(algorithm.to_string())),
  })
}

/// The digest of `data` with `algorithm`, in one go.
pub fn digest(algorithm: &str, data: &[u8]) -> Result<Vec<u8>, HashError> {
  let mut e = engine(algorithm, None)?;
  e.update(data);
  Ok(e.finish())
}

/// Digest bytes as text: hex (1), base64 (2) or base64url (3); `None` for
/// another code (JS encodes the rest).
pub fn encode_digest(bytes: &[u8], encoding: u32) -> Option<String> {
  use base64::Engine as _;
  Some(match encoding {
    1 => {
      const HEX: &[u8; 16] = b"0123456789abcdef";
      let mut out = String::with_capacity(bytes.len() * 2);
      for &b in bytes {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
      }
      out
    }
    2 => base64::engine::general_purpose::STANDARD.encode(bytes),
    3 => base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
    _ => return None,
  })
}

/// `Bun.hash`'s variants, in the order of `Object.keys(Bun.hash)`; the
/// discriminant is what JS passes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fast {
  /// Zig std's Wyhash (wyhash "final 4" with the original secret).
  Wyhash = 0,
  /// Adler-32 (Bun ignores the seed).
  Adler32,
  /// CRC-32 (IEEE), the seed as the running value.
  Crc32,
  /// CityHash32 (Bun ignores the seed).
  CityHash32,
  /// CityHash64 with the seed.
  CityHash64,
  /// xxHash32.
  XxHash32,
  /// xxHash64.
  XxHash64,
  /// XXH3-64.
  XxHash3,
  /// MurmurHash2 (32 bits).
  Murmur32v2,
  /// MurmurHash3 x86 32 bits.
  Murmur32v3,
  /// MurmurHash64A.
  Murmur64v2,
  /// rapidhash v1 with the C++ seeding.
  Rapidhash,
}

impl Fast {
  /// The variant for a discriminant from JS.
  pub fn from_index(index: u32) -> Option<Self> {
    use Fast::*;
    [
      Wyhash, Adler32, Crc32, CityHash32, CityHash64, XxHash32, XxHash64,
      XxHash3, Murmur32v2, Murmur32v3, Murmur64v2, Rapidhash,
    ]
    .get(index as usize)
    .copied()
  }

  /// Hashes `data` with `seed` (32-bit variants use its low 32 bits and
  /// return a value below 2^32).
  pub fn hash(self, data: &[u8], seed: u64) -> u64 {
    let seed32 = seed as u32;
    match self {
      Fast::Wyhash => wyhash(data, seed),
      Fast::Adler32 => {
        let mut a = adler2::Adler32::new();
        a.write_slice(data);
        a.checksum() as u64
      }
      Fast::Crc32 => {
        let mut c = crc32fast::Hasher::new_with_initial(seed32);
        c.update(data);
        c.finalize() as u64
      }
      Fast::CityHash32 => cityhasher::hash::<u32>(data) as u64,
      Fast::CityHash64 => cityhasher::hash_with_seed::<u64>(data, seed),
      Fast::XxHash32 => xxhash_rust::xxh32::xxh32(data, seed32) as u64,
      Fast::XxHash64 => xxhash_rust::xxh64::xxh64(data, seed),
      Fast::XxHash3 => xxhash_rust::xxh3::xxh3_64_with_seed(data, seed),
      Fast::Murmur32v2 => murmur2::murmur2(data, seed32) as u64,
      // Reading from a slice cannot fail.
      Fast::Murmur32v3 => {
        murmur3::murmur3_32(&mut &data[..], seed32).unwrap_or(0) as u64
      }
      Fast::Murmur64v2 => murmur2::murmur64a(data, seed),
      Fast::Rapidhash => rapidhash::v1::rapidhash_v1_seeded(
        data,
        &rapidhash::v1::RapidSecrets::seed_cpp(seed),
      ),
    }
  }
}

/// Wyhash as Zig's standard library has it (which `Bun.hash` uses): the
/// "final 4" algorithm with the original (final 3) secret. The `wyhash`
/// crate implements final 3 only, whose results differ.
pub fn wyhash(key: &[u8], seed: u64) -> u64 {
  const SECRET: [u64; 4] = [
    0xa076_1d64_78bd_642f,
    0xe703_7ed1_a0b4_28db,
    0x8ebc_6af0_9c88_c6e3,
    0x5899_65cc_7537_4cc3,
  ];
  fn mum(a: u64, b: u64) -> (u64, u64) {
    let r = (a as u128) * (b as u128);
    (r as u64, (r >> 64) as u64)
  }
  fn mix(a: u64, b: u64) -> u64 {
    let (lo, hi) = mum(a, b);
    lo ^ hi
  }
  fn r8(p: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&p[at..at + 8]);
    u64::from_le_bytes(b)
  }
  fn r4(p: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 4];
    b.copy_from_slice(&p[at..at + 4]);
    u32::from_le_bytes(b) as u64
  }
  let len = key.len();
  let mut seed = seed ^ mix(seed ^ SECRET[0], SECRET[1]);
  let (a, b);
  if len <= 16 {
    if len >= 4 {
      let q = (len >> 3) << 2;
      a = (r4(key, 0) << 32) | r4(key, q);
      b = (r4(key, len - 4) << 32) | r4(key, len - 4 - q);
    } else if len > 0 {
      a = ((key[0] as u64) << 16)
        | ((key[len >> 1] as u64) << 8)
        | key[len - 1] as u64;
      b = 0;
    } else {
      a = 0;
      b = 0;
    }
  } else {
    let mut at = 0;
    let mut left = len;
    if left >= 48 {
      let (mut see1, mut see2) = (seed, seed);
      while left >= 48 {
        seed = mix(r8(key, at) ^ SECRET[1], r8(key, at + 8) ^ seed);
        see1 = mix(r8(key, at + 16) ^ SECRET[2], r8(key, at + 24) ^ see1);
        see2 = mix(r8(key, at + 32) ^ SECRET[3], r8(key, at + 40) ^ see2);
        at += 48;
        left -= 48;
      }
      seed ^= see1 ^ see2;
    }
    while left > 16 {
      seed = mix(r8(key, at) ^ SECRET[1], r8(key, at + 8) ^ seed);
      at += 16;
      left -= 16;
    }
    a = r8(key, len - 16);
    b = r8(key, len - 8);
  }
  let (a, b) = mum(a ^ SECRET[1], b ^ seed);
  mix(a ^ SECRET[0] ^ len as u64, b ^ SECRET[1])
}

#[cfg(test)]
mod tests {
  use super::*;

  fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
  }

  /// Values printed by Bun 1.4.4 for "hello world" (seed 0 and 42) and "".
  #[test]
  fn fast_hashes_match_bun() {
    let s = b"hello world";
    let table: &[(Fast, u64, u64, u64)] = &[
      (
        Fast::Wyhash,
        7389666205914310003,
        1047849690281153202,
        290873116282709081,
      ),
      (Fast::Adler32, 436929629, 436929629, 1),
      (Fast::Crc32, 222957957, 1769588438, 0),
      (Fast::CityHash32, 430397466, 430397466, 3696677242),
      (
        Fast::CityHash64,
        14380569469725369391,
        17383525840225233053,
        0,
      ),
      (Fast::XxHash32, 3468387874, 4225033588, 46947589),
      (
        Fast::XxHash64,
        5020219685658847592,
        7620854247404556961,
        17241709254077376921,
      ),
      (
        Fast::XxHash3,
        15296390279056496779,
        10892614469087474574,
        3244421341483603138,
      ),
      (Fast::Murmur32v2, 1151865881, 2478519735, 0),
      (Fast::Murmur32v3, 1586663183, 3926694905, 0),
      (
        Fast::Murmur64v2,
        15256545620076441550,
        6407594231340099345,
        0,
      ),
      (
        Fast::Rapidhash,
        6388527444622164108,
        5789651714544875698,
        10602188539874428322,
      ),
    ];
    for &(kind, plain, seeded, empty) in table {
      assert_eq!(kind.hash(s, 0), plain, "{kind:?}");
      assert_eq!(kind.hash(s, 42), seeded, "{kind:?} seeded");
      assert_eq!(kind.hash(b"", 0), empty, "{kind:?} empty");
    }
    // The long-input paths (48-byte rounds, then 16-byte rounds).
    let long: Vec<u8> = (0..200u32).map(|i| (i * 7) as u8).collect();
    assert_eq!(wyhash(&long, 0), 17313361467663067774);
    assert_eq!(wyhash(s, 1), 13787780227434353503);
  }

  #[test]
  fn digests_reset_fork_and_key() {
    let mut h = engine("SHA256", None).unwrap();
    h.update(b"hello ");
    let mut fork = h.fork();
    h.update(b"world");
    assert_eq!(
      hex(&h.finish()),
      "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"
    );
    assert_eq!(hex(&fork.finish()).len(), 64);
    // After finish the engine starts over.
    h.update(b"x");
    assert_eq!(
      hex(&h.finish()),
      "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    );
    let mut mac = engine("sha256", Some(b"key")).unwrap();
    mac.update(b"data");
    assert_eq!(
      hex(&mac.finish()),
      "5031fe3d989c6d1537a013fa6e739da23463fdaec3b70137d828e36ace221bd0"
    );
    let cases = [
      (
        "blake2b256",
        "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319",
      ),
      (
        "sha512-256",
        "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23",
      ),
      ("md4", "a448017aaf21d8525fc10ae87aa6729d"),
      (
        "sha3-256",
        "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
      ),
      ("shake128", "5881092dd818bf5cf8a3ddb793fbcba7"),
      ("ripemd160", "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"),
    ];
    for (alg, want) in cases {
      let mut e = engine(alg, None).unwrap();
      e.update(b"abc");
      assert_eq!(hex(&e.finish()), want, "{alg}");
    }
    assert!(engine("nope", None).is_err());
    assert!(engine("shake128", Some(b"k")).is_err());
  }
}
