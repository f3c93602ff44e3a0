// The `Bun` global: process-level facts and helpers. Server and client APIs
// attach to it from their own modules.

import { core } from "ext:core/mod.js";
import { op_rt_nanoseconds } from "ext:core/ops";
import { BUN_VERSION, env, processInfo } from "ext:rt/40_process.js";
import { webScript } from "ext:rt/00_web.js";

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
 * `Bun.inspect(value, options)`: the string console.log prints for a value
 * (deno_web's formatter; Bun's own layout is not reproduced yet).
 */
function inspect(value, options = undefined) {
  const opts = typeof options === "object" && options !== null ? options : {};
  return webScript("01_console").inspect(value, {
    depth: opts.depth ?? 2,
    colors: !!opts.colors,
    compact: opts.compact ?? 3,
    sorted: !!opts.sorted,
  });
}
inspect.custom = Symbol.for("nodejs.util.inspect.custom");

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
