// Bun.password: hash/verify (on the blocking pool) and their Sync forms,
// over hash.rs's password ops. Loaded on first use.

import {
  op_bun_password_hash,
  op_bun_password_hash_sync,
  op_bun_password_verify,
  op_bun_password_verify_sync,
} from "ext:core/ops";
import { errors } from "ext:rt_web/01_errors.js";

const ALGORITHMS = ["bcrypt", "argon2id", "argon2d", "argon2i"];

/** The password as bytes: strings as UTF-8, views and buffers as they are. */
function passwordBytes(password, where, allowEmpty) {
  let bytes;
  if (typeof password === "string") bytes = new TextEncoder().encode(password);
  else if (ArrayBuffer.isView(password)) {
    bytes = new Uint8Array(password.buffer, password.byteOffset, password.byteLength);
  } else if (password instanceof ArrayBuffer) bytes = new Uint8Array(password);
  else if (typeof password === "number" || typeof password === "bigint" || typeof password === "boolean") {
    // Bun hashes a primitive by its string form.
    bytes = new TextEncoder().encode(String(password));
  } else {
    throw errors.InvalidArgType(`password must be a string or TypedArray for '${where}'`);
  }
  if (!allowEmpty && bytes.byteLength === 0) throw errors.InvalidArgType("password must not be empty");
  return bytes;
}

function algorithmName(name, where) {
  if (!ALGORITHMS.includes(name)) {
    throw errors.InvalidArgType(`Expected algorithm to be a unknown algorithm, expected one of: "bcrypt", "argon2id", "argon2d", "argon2i" (default is "argon2id") for '${where}'.`);
  }
  return name;
}

function integer(value, what, min, max) {
  if (value === undefined) return 0;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw errors.InvalidArgType(`${what} must be an integer between ${min} and ${max}`);
  }
  return value;
}

/** Bun's hash options: a name, or { algorithm, memoryCost, timeCost, cost }. */
function hashOptions(options, where) {
  if (options === undefined || options === null) return ["argon2id", 0, 0, 0];
  if (typeof options === "string") return [algorithmName(options, where), 0, 0, 0];
  if (typeof options !== "object") throw errors.InvalidArgType(`options must be a string or an object for '${where}'`);
  const algorithm = algorithmName(options.algorithm ?? "argon2id", where);
  if (algorithm === "bcrypt") {
    if (options.cost !== undefined && (!Number.isInteger(options.cost) || options.cost < 4 || options.cost > 31)) {
      throw errors.InvalidArgType("Rounds must be an integer between 4 and 31");
    }
    return [algorithm, 0, 0, options.cost ?? 0];
  }
  return [
    algorithm,
    integer(options.memoryCost, "memoryCost", 8, 0xffffffff),
    integer(options.timeCost, "timeCost", 1, 0xffffffff),
    0,
  ];
}

function verifyArgs(password, hash, algorithm, where) {
  const bytes = passwordBytes(password, where, true);
  if (typeof hash !== "string") {
    if (ArrayBuffer.isView(hash) || hash instanceof ArrayBuffer) hash = new TextDecoder().decode(hash);
    else throw errors.InvalidArgType(`hash must be a string or TypedArray for '${where}'`);
  }
  const name = algorithm === undefined ? "" : algorithmName(algorithm, where);
  return [bytes, hash, name];
}

const password = {
  /** Resolves to a PHC (argon2) or `$2b$` (bcrypt) string. */
  hash(password, options = undefined) {
    try {
      const bytes = passwordBytes(password, "hash", false);
      const [algorithm, m, t, cost] = hashOptions(options, "hash");
      return op_bun_password_hash(bytes.slice(), algorithm, m, t, cost);
    } catch (error) {
      return Promise.reject(error);
    }
  },
  hashSync(password, options = undefined) {
    const bytes = passwordBytes(password, "hashSync", false);
    const [algorithm, m, t, cost] = hashOptions(options, "hashSync");
    return op_bun_password_hash_sync(bytes, algorithm, m, t, cost);
  },
  /** Resolves to whether the password matches; the algorithm comes from the hash. */
  verify(password, hash, algorithm = undefined) {
    try {
      const [bytes, h, name] = verifyArgs(password, hash, algorithm, "verify");
      return op_bun_password_verify(bytes.slice(), h, name);
    } catch (error) {
      return Promise.reject(error);
    }
  },
  verifySync(password, hash, algorithm = undefined) {
    const [bytes, h, name] = verifyArgs(password, hash, algorithm, "verifySync");
    return op_bun_password_verify_sync(bytes, h, name);
  },
};

export { password };
