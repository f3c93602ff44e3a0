// node:crypto: randomUUID, randomBytes, randomInt, createHash and
// createHmac (every digest Bun.CryptoHasher has: md4/md5, sha1, sha2,
// sha3, blake2, ripemd160, shake) with update/digest/copy,
// timingSafeEqual, and `webcrypto` (the global `crypto`). A digest runs in
// Rust as the data comes, on the same code as Bun.CryptoHasher.

import {
  op_hasher_algorithms,
  op_hasher_copy,
  op_hasher_digest,
  op_hasher_new,
  op_hasher_update,
  op_hasher_update_str,
} from "ext:core/ops";
import { Buffer } from "node:buffer";
import { errors, invalidArgType } from "ext:rt_web/01_errors.js";

// The digests Bun.CryptoHasher has (util/hash.rs), under OpenSSL's names.
const HASHES = op_hasher_algorithms();

function toBytes(data, encoding) {
  if (typeof data === "string") return Buffer.from(data, encoding);
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw invalidArgType(
    "data",
    "of type string or an instance of Buffer, TypedArray, or DataView",
    data,
  );
}

function checkAlgorithm(algorithm) {
  const name = String(algorithm).toLowerCase().replace(/^sha-/, "sha");
  if (!HASHES.includes(name)) {
    throw errors.CryptoInvalidDigest("Digest method not supported");
  }
  return name;
}

const finalized = () => errors.CryptoHashFinalized("Digest already called");

const kCopy = Symbol("copy");

/** Node's Hash and Hmac: a running digest in Rust, fed as data comes. */
class Hash {
  #handle;
  #done = false;

  constructor(algorithm, key) {
    if (algorithm === kCopy) {
      this.#handle = key;
      return;
    }
    this.#handle = op_hasher_new(checkAlgorithm(algorithm), key);
  }

  update(data, encoding) {
    if (this.#done) throw finalized();
    if (typeof data === "string" && (encoding === undefined || encoding === "utf8" || encoding === "utf-8")) {
      op_hasher_update_str(this.#handle, data);
    } else {
      op_hasher_update(this.#handle, toBytes(data, encoding));
    }
    return this;
  }

  digest(encoding) {
    if (this.#done) throw finalized();
    this.#done = true;
    const out = Buffer.from(op_hasher_digest(this.#handle));
    return encoding === undefined || encoding === "buffer" ? out : out.toString(encoding);
  }

  copy() {
    if (this.#done) throw finalized();
    return new Hash(kCopy, op_hasher_copy(this.#handle));
  }
}

function createHash(algorithm) {
  return new Hash(algorithm);
}

function createHmac(algorithm, key) {
  const keyBytes = typeof key === "object" && key !== null && "export" in key
    ? key.export()
    : toBytes(key);
  return new Hash(algorithm, keyBytes);
}

function hash(algorithm, data, encoding = "hex") {
  return createHash(algorithm).update(data).digest(encoding);
}

function randomBytes(size, callback) {
  if (typeof size !== "number" || size < 0 || size > 2 ** 31 - 1) {
    const err = errors.OutOfRange(`The value of "size" is out of range. Received ${size}`);
    throw err;
  }
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i += 65536) {
    crypto.getRandomValues(buf.subarray(i, Math.min(size, i + 65536)));
  }
  if (typeof callback === "function") {
    queueMicrotask(() => callback(null, buf));
    return;
  }
  return buf;
}

function randomFillSync(buf, offset = 0, size) {
  const bytes = new Uint8Array(buf.buffer ?? buf, buf.byteOffset ?? 0, buf.byteLength);
  const end = size === undefined ? bytes.length : offset + size;
  for (let i = offset; i < end; i += 65536) {
    crypto.getRandomValues(bytes.subarray(i, Math.min(end, i + 65536)));
  }
  return buf;
}

function randomFill(buf, offset, size, callback) {
  if (typeof offset === "function") [callback, offset, size] = [offset, 0, undefined];
  else if (typeof size === "function") [callback, size] = [size, undefined];
  randomFillSync(buf, offset, size);
  queueMicrotask(() => callback(null, buf));
}

function randomInt(min, max, callback) {
  if (max === undefined || typeof max === "function") {
    callback = max;
    max = min;
    min = 0;
  }
  const range = max - min;
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || range <= 0) {
    const err = errors.OutOfRange(`The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
    throw err;
  }
  // Rejection sampling over 48 random bits keeps the result unbiased.
  const limit = 2 ** 48 - (2 ** 48 % range);
  let n;
  do {
    const b = randomBytes(6);
    n = ((b[0] * 256 + b[1]) * 256 + b[2]) * 2 ** 24 + ((b[3] * 256 + b[4]) * 256 + b[5]);
  } while (n >= limit);
  const value = min + (n % range);
  if (typeof callback === "function") {
    queueMicrotask(() => callback(null, value));
    return;
  }
  return value;
}

function timingSafeEqual(a, b) {
  if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b)) {
    throw errors.InvalidArgType('The "buf1" and "buf2" arguments must be Buffers, TypedArrays or DataViews');
  }
  if (a.byteLength !== b.byteLength) {
    const err = errors.CryptoTimingSafeEqualLength("Input buffers must have the same byte length");
    throw err;
  }
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

const cryptoModule = {
  createHash,
  createHmac,
  hash,
  getHashes: () => [...HASHES],
  randomBytes,
  randomFill,
  randomFillSync,
  randomInt,
  randomUUID: () => crypto.randomUUID(),
  getRandomValues: (array) => crypto.getRandomValues(array),
  timingSafeEqual,
  webcrypto: globalThis.crypto,
  subtle: globalThis.crypto.subtle,
  Hash,
  Hmac: Hash,
  constants: {},
};
export default cryptoModule;
export {
  createHash,
  createHmac,
  hash,
  randomBytes,
  randomFill,
  randomFillSync,
  randomInt,
  timingSafeEqual,
  Hash,
};
export const {
  getHashes,
  randomUUID,
  getRandomValues,
  webcrypto,
  subtle,
  Hmac,
  constants,
} = cryptoModule;
