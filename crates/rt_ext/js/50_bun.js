// The `Bun` global: process-level facts and helpers. Server and client APIs
// attach to it from their own modules.

import { core } from "ext:core/mod.js";
import { op_rt_nanoseconds } from "ext:core/ops";
import { BUN_VERSION, env, processInfo } from "ext:rt/40_process.js";
import { inspector } from "ext:rt/10_console.js";

/** A TypeError with Bun's `.code` (e.g. "ERR_INVALID_ARG_TYPE"). */
export function typeError(message, code) {
  const error = new TypeError(message);
  if (code !== undefined) error.code = code;
  return error;
}

/**
 * Node's PeerCertificate shape, from what the ops give (`certificate` with
 * the parsed fields, `raw` DER): for fetch's `checkServerIdentity` and
 * Bun.serve's `server.peerCertificate(request)`.
 */
export function peerCertificate(info) {
  const c = info.certificate;
  return {
    subject: Object.fromEntries(c.subject),
    issuer: Object.fromEntries(c.issuer),
    subjectaltname: c.subjectaltname,
    valid_from: c.valid_from,
    valid_to: c.valid_to,
    serialNumber: c.serial_number,
    fingerprint256: c.fingerprint256,
    raw: info.raw,
  };
}

/** `Bun.sleep(ms | Date)`: a promise that resolves after the delay. */
function sleep(ms) {
  if (ms instanceof Date) ms = ms.getTime() - Date.now();
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new TypeError("Bun.sleep expects a number of milliseconds or a Date");
  }
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * `Bun.inspect(value, options)`: the string console.log prints for a value,
 * in Bun's layout (js/bun/inspect.js).
 */
function inspect(value, options = undefined) {
  return inspector().inspect(value, options);
}
inspect.custom = Symbol.for("nodejs.util.inspect.custom");
inspect.table = (data, properties, options) => inspector().table(data, properties, options);

const sockets = () => core.loadExtScript("ext:rt/bun/socket.js");

/** The `Bun` namespace object. */
export const Bun = {
  version: BUN_VERSION,
  revision: "rt",
  sleep,
  inspect,
  listen: (options) => sockets().listen(options),
  connect: (options) => sockets().connect(options),
  nanoseconds: () => op_rt_nanoseconds(),
};

/**
 * Members whose code loads on first use: each name maps to the script that
 * exports it. Reading one replaces the accessor with a data property.
 */
const LAZY = {
  "bun/hash.js": [
    "CryptoHasher", "hash", "sha", "MD4", "MD5", "SHA1", "SHA224", "SHA256",
    "SHA384", "SHA512", "SHA512_256",
  ],
  "bun/password.js": ["password"],
  "bun/redis.js": ["RedisClient", "redis"],
  "bun/util.js": [
    "escapeHTML", "deepEquals", "peek", "sleepSync", "randomUUIDv7", "which",
    "gzipSync", "gunzipSync", "deflateSync", "inflateSync", "zstdCompressSync",
    "zstdDecompressSync", "zstdCompress", "zstdDecompress",
    "readableStreamToArray", "readableStreamToBytes",
    "readableStreamToArrayBuffer", "readableStreamToText",
    "readableStreamToJSON", "readableStreamToBlob", "readableStreamToFormData",
    "concatArrayBuffers", "ArrayBufferSink", "fileURLToPath", "pathToFileURL",
  ],
};
for (const script in LAZY) {
  for (const name of LAZY[script]) {
    Object.defineProperty(Bun, name, {
      __proto__: null,
      get() {
        const value = core.loadExtScript(`ext:rt/${script}`)[name];
        Object.defineProperty(Bun, name, { __proto__: null, value, writable: true });
        return value;
      },
      set(value) {
        Object.defineProperty(Bun, name, { __proto__: null, value, writable: true });
      },
      enumerable: true,
      configurable: true,
    });
  }
}

Object.defineProperties(Bun, {
  env: { __proto__: null, get: env, enumerable: true, configurable: true },
  argv: {
    __proto__: null,
    get: () => processInfo().argv,
    enumerable: true,
    configurable: true,
  },
  main: {
    __proto__: null,
    get: () => processInfo().main,
    enumerable: true,
    configurable: true,
  },
  [Symbol.toStringTag]: { __proto__: null, value: "Bun" },
});

/** Installs `Bun`. */
export function installBun() {
  Object.defineProperty(globalThis, "Bun", {
    __proto__: null,
    value: Bun,
    writable: false,
    enumerable: false,
    configurable: false,
  });
}
