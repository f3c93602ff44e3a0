// Bun.CryptoHasher, Bun.SHA1 ... Bun.SHA512_256, Bun.sha and Bun.hash:
// thin wrappers over the digest ops (hash.rs). Loaded on first use.

import {
  op_bun_digest_once,
  op_bun_digest_once_str,
  op_bun_digest_once_str_text,
  op_bun_digest_once_text,
  op_bun_hash,
  op_bun_hash_high,
  op_bun_hash_str,
  op_hasher_algorithms,
  op_hasher_copy,
  op_hasher_digest,
  op_hasher_digest_text,
  op_hasher_new,
  op_hasher_size,
  op_hasher_update,
  op_hasher_update_str,
} from "ext:core/ops";
import { errors } from "ext:rt_web/01_errors.js";

const ALGORITHMS = op_hasher_algorithms();

const asBuffer = (bytes) => globalThis.Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Bytes from Bun's accepted inputs (views, buffers, Blob-less). */
function bytesOf(data, where) {
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) {
    return new Uint8Array(data);
  }
  throw errors.InvalidArgType(`${where} expects a string, TypedArray, DataView or ArrayBuffer`);
}

const isUtf8 = (e) => e === undefined || e === "utf8" || e === "utf-8";

// Encodings the ops produce themselves (their codes in hash.rs).
const TEXT = { __proto__: null, hex: 1, base64: 2, base64url: 3 };

/**
 * Digest bytes in Bun's other output forms: a Uint8Array (a Buffer if
 * `buffer`), written into a TypedArray, or a Node encoding. hex, base64 and
 * base64url never get here (the ops encode them).
 */
function encode(bytes, encoding, buffer) {
  if (encoding === undefined) return buffer ? asBuffer(bytes) : bytes;
  if (ArrayBuffer.isView(encoding)) {
    const target = new Uint8Array(encoding.buffer, encoding.byteOffset, encoding.byteLength);
    if (target.byteLength < bytes.byteLength) {
      throw errors.InvalidArgValue(`TypedArray must be at least ${bytes.byteLength} bytes`);
    }
    target.set(bytes);
    return encoding;
  }
  switch (encoding) {
    case "latin1":
    case "binary":
    case "utf8":
    case "utf-8":
    case "ucs2":
    case "utf16le":
    case "ascii":
      return asBuffer(bytes).toString(encoding);
    case "buffer":
      return asBuffer(bytes);
    default:
      throw errors.InvalidArgValue(`Unknown encoding: ${encoding}`);
  }
}

/** A hasher's digest in `encoding`; the hasher starts over. */
function digestOf(handle, encoding, buffer) {
  const code = typeof encoding === "string" ? TEXT[encoding] : undefined;
  if (code !== undefined) return op_hasher_digest_text(handle, code);
  return encode(new Uint8Array(op_hasher_digest(handle)), encoding, buffer);
}

const kHandle = Symbol("hasher");
const kAlgorithm = Symbol("algorithm");

/** `new Bun.CryptoHasher(algorithm, hmacKey?)`. */
class CryptoHasher {
  constructor(algorithm, key = undefined) {
    if (algorithm === kHandle) return; // copy() fills it in
    if (typeof algorithm !== "string") {
      throw errors.InvalidArgType("algorithm must be a string");
    }
    let keyBytes;
    if (key !== undefined && key !== null) {
      keyBytes = typeof key === "string" ? new TextEncoder().encode(key) : bytesOf(key, "key");
    }
    this[kHandle] = op_hasher_new(algorithm, keyBytes);
    this[kAlgorithm] = algorithm.toLowerCase();
  }

  /** The algorithm's name. */
  get algorithm() {
    return this[kAlgorithm];
  }

  /** The digest's length in bytes. */
  get byteLength() {
    return op_hasher_size(this[kHandle]);
  }

  update(data, encoding = undefined) {
    if (typeof data === "string") {
      if (isUtf8(encoding)) op_hasher_update_str(this[kHandle], data);
      else op_hasher_update(this[kHandle], globalThis.Buffer.from(data, encoding));
    } else {
      op_hasher_update(this[kHandle], bytesOf(data, "update"));
    }
    return this;
  }

  /** The digest (a Buffer, a string, or written into a TypedArray); the hasher starts over. */
  digest(encoding = undefined) {
    return digestOf(this[kHandle], encoding, true);
  }

  copy() {
    const copy = new CryptoHasher(kHandle);
    copy[kHandle] = op_hasher_copy(this[kHandle]);
    copy[kAlgorithm] = this[kAlgorithm];
    return copy;
  }

  static get algorithms() {
    return ALGORITHMS.slice();
  }

  static hash(algorithm, data, encoding = undefined) {
    return once(algorithm, data, encoding, true);
  }

  get [Symbol.toStringTag]() {
    return "CryptoHasher";
  }
}

/** One digest of `data`, as text, bytes (a Buffer if `buffer`) or into a TypedArray. */
function once(algorithm, data, encoding, buffer) {
  const code = typeof encoding === "string" ? TEXT[encoding] : undefined;
  if (typeof data === "string") {
    if (code !== undefined) return op_bun_digest_once_str_text(algorithm, data, code);
    return encode(new Uint8Array(op_bun_digest_once_str(algorithm, data)), encoding, buffer);
  }
  const bytes = bytesOf(data, "hash");
  if (code !== undefined) return op_bun_digest_once_text(algorithm, bytes, code);
  return encode(new Uint8Array(op_bun_digest_once(algorithm, bytes)), encoding, buffer);
}

/** `Bun.SHA256` and its siblings: fixed-algorithm hashers. */
function fixed(name, algorithm, size) {
  const Class = class extends CryptoHasher {
    constructor() {
      super(algorithm);
    }
    /** Bytes (Uint8Array) unless an encoding or target is given. */
    digest(encoding = undefined) {
      return digestOf(this[kHandle], encoding, false);
    }
    static hash(data, encoding = undefined) {
      return once(algorithm, data, encoding, false);
    }
    static get byteLength() {
      return size;
    }
  };
  Object.defineProperty(Class, "name", { value: name });
  return Class;
}

const SHA = {
  MD4: fixed("MD4", "md4", 16),
  MD5: fixed("MD5", "md5", 16),
  SHA1: fixed("SHA1", "sha1", 20),
  SHA224: fixed("SHA224", "sha224", 28),
  SHA256: fixed("SHA256", "sha256", 32),
  SHA384: fixed("SHA384", "sha384", 48),
  SHA512: fixed("SHA512", "sha512", 64),
  SHA512_256: fixed("SHA512_256", "sha512-256", 32),
};

// Bun.hash's variants, in Rust's `Fast` order; true marks 64-bit results.
const VARIANTS = [
  ["wyhash", true],
  ["adler32", false],
  ["crc32", false],
  ["cityHash32", false],
  ["cityHash64", true],
  ["xxHash32", false],
  ["xxHash64", true],
  ["xxHash3", true],
  ["murmur32v2", false],
  ["murmur32v3", false],
  ["murmur64v2", true],
  ["rapidhash", true],
];

// A seed's [low, high] 32-bit halves, as the ops take it.
const seedHalves = [0, 0];
const TWO_32 = 2 ** 32;

/** Sets `seedHalves` (numbers below 2^53 skip BigInt). */
function splitSeed(seed) {
  const out = seedHalves;
  if (seed === undefined) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  if (typeof seed === "number" && Number.isSafeInteger(seed) && seed >= 0) {
    out[0] = seed % TWO_32;
    out[1] = Math.floor(seed / TWO_32);
    return;
  }
  let big;
  if (typeof seed === "bigint") big = BigInt.asUintN(64, seed);
  else if (typeof seed === "number") big = Number.isFinite(seed) ? BigInt.asUintN(64, BigInt(Math.trunc(seed))) : 0n;
  else throw errors.InvalidArgType("seed must be a number or a bigint");
  out[0] = Number(big & 0xffffffffn);
  out[1] = Number(big >> 32n);
}

function variant(index, wide) {
  return function (data, seed = undefined) {
    splitSeed(seed);
    // Indexing, not destructuring: QuickJS runs the iterator protocol for that.
    const lo = seedHalves[0];
    const hi = seedHalves[1];
    let low;
    if (typeof data === "string") low = op_bun_hash_str(index, data, lo, hi);
    else if (data instanceof Blob) throw errors.InvalidArgType("Blob is not supported by Bun.hash; read its bytes first");
    else low = op_bun_hash(index, bytesOf(data, "Bun.hash"), lo, hi);
    return wide ? (BigInt(op_bun_hash_high()) << 32n) | BigInt(low) : low;
  };
}

/** `Bun.hash(data, seed)`: wyhash, as a bigint. */
const hash = variant(0, true);
for (let i = 0; i < VARIANTS.length; i++) {
  const [name, wide] = VARIANTS[i];
  Object.defineProperty(hash, name, {
    value: variant(i, wide),
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** `Bun.sha(data, encoding)`: SHA-512/256. */
const sha = (data, encoding = undefined) => SHA.SHA512_256.hash(data, encoding);

export { CryptoHasher, hash, sha };
export const {
  MD4,
  MD5,
  SHA1,
  SHA224,
  SHA256,
  SHA384,
  SHA512,
  SHA512_256,
} = SHA;
