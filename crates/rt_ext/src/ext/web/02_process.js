// `process`: the subset of Node's process object a Bun script relies on.
// Facts that cost an op (argv, env, cwd) are fetched on first use.

import { core } from "ext:core/mod.js";
import {
  op_rt_env,
  op_rt_exit,
  op_rt_process_info,
  op_rt_rss,
  op_rt_set_exit_code,
} from "ext:core/ops";
import { errors } from "ext:rt_web/01_errors.js";

/** Node API level rt reports in `process.version`, as Bun does. */
const NODE_VERSION = "24.3.0";
/** rt's own version. */
const RT_VERSION = "0.1.0";
/** The Bun release whose API rt follows (`Bun.version`). */
export const BUN_VERSION = "1.4.4";

let info;
/** argv, main, pid, platform... from one op call, cached. */
export function processInfo() {
  return info ??= op_rt_process_info();
}

let envObject;
/** `process.env` / `Bun.env`: a plain object, read from the OS once. */
export function env() {
  return envObject ??= op_rt_env();
}

let exitCode;
let stdout;
let stderr;

function exit(code) {
  if (code !== undefined && code !== null) setExitCode(code);
  op_rt_exit(exitCode ?? 0);
}

function setExitCode(code) {
  if (code === undefined || code === null) {
    exitCode = undefined;
    op_rt_set_exit_code(0);
    return;
  }
  const n = typeof code === "string" && code.trim() !== "" ? +code : code;
  if (typeof n !== "number" || !Number.isInteger(n)) {
    const err = errors.InvalidArgType(`The "code" argument must be of type number. Received ${typeof code}`);
    throw err;
  }
  exitCode = n;
  op_rt_set_exit_code(n | 0);
}

/**
 * Prints to stdout or stderr. A closed stream (EPIPE: `rt app.js | head -1`)
 * drops the text, as Bun does; before, the write error escaped as an
 * uncaught `error: undefined` and exit code 1.
 */
export function printTo(text, isErr) {
  try {
    core.print(text, isErr);
  } catch {
    // Nothing left to report to: the reader is gone.
  }
}

/** `process.stdout` / `process.stderr`: enough of a Writable for `write`. */
function writer(fd) {
  const isErr = fd === 2;
  return {
    fd,
    isTTY: false,
    writable: true,
    write(chunk, encoding, callback) {
      const text = typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
      printTo(text, isErr);
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") queueMicrotask(done);
      return true;
    },
  };
}

function lazy(get) {
  return { __proto__: null, get, enumerable: true, configurable: true };
}

/** Builds the `process` object. */
function createProcess() {
  const process = {
    version: `v${NODE_VERSION}`,
    versions: { node: NODE_VERSION, bun: BUN_VERSION, rt: RT_VERSION },
    release: { name: "node" },
    exit,
    cwd: () => processInfo().cwd,
    nextTick(callback, ...args) {
      queueMicrotask(() => callback(...args));
    },
    hrtime: Object.assign(
      (prev) => {
        const ns = BigInt(Math.round(performance.now() * 1e6));
        const t = [Number(ns / 1000000000n), Number(ns % 1000000000n)];
        if (!prev) return t;
        let s = t[0] - prev[0];
        let n = t[1] - prev[1];
        if (n < 0) {
          s -= 1;
          n += 1e9;
        }
        return [s, n];
      },
      { bigint: () => BigInt(Math.round(performance.now() * 1e6)) },
    ),
    uptime: () => performance.now() / 1000,
    memoryUsage: Object.assign(
      () => {
        const m = core.memoryUsage();
        return {
          rss: op_rt_rss(),
          heapTotal: m.heapTotal,
          heapUsed: m.heapUsed,
          external: m.external,
          arrayBuffers: 0,
        };
      },
      { rss: () => op_rt_rss() },
    ),
  };
  Object.defineProperties(process, {
    stdout: lazy(() => stdout ??= writer(1)),
    stderr: lazy(() => stderr ??= writer(2)),
    argv: lazy(() => processInfo().argv),
    argv0: lazy(() => processInfo().argv[0]),
    execPath: lazy(() => processInfo().execPath),
    pid: lazy(() => processInfo().pid),
    ppid: lazy(() => processInfo().ppid),
    platform: lazy(() => processInfo().platform),
    arch: lazy(() => processInfo().arch),
    env: {
      __proto__: null,
      get: env,
      set(value) {
        envObject = value;
      },
      enumerable: true,
      configurable: true,
    },
    exitCode: {
      __proto__: null,
      get: () => exitCode,
      set: setExitCode,
      enumerable: true,
      configurable: true,
    },
    [Symbol.toStringTag]: { __proto__: null, value: "process" },
  });
  return process;
}

/** Installs `process` as a lazy global. */
export function installProcess() {
  let value;
  Object.defineProperty(globalThis, "process", {
    __proto__: null,
    get: () => value ??= createProcess(),
    set: (v) => {
      value = v;
    },
    enumerable: false,
    configurable: true,
  });
}
