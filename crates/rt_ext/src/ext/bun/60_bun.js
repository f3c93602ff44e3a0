// The `Bun` global, made from rt's surface table (ext/surface.rs): each
// member is a value some module of the snapshot exports, an accessor, or
// loaded on first read from a module that stays out of the snapshot until
// then. This module also exports the members that are its own: facts about
// the process and a few small helpers.

import { core } from "ext:core/mod.js";
import { op_bun_surface, op_rt_nanoseconds } from "ext:core/ops";
import { lazyProperty } from "ext:rt_web/00_web.js";
import { BUN_VERSION, env as processEnv, processInfo } from "ext:rt_web/02_process.js";
import { inspector } from "ext:rt_web/03_console.js";

export const version = BUN_VERSION;
export const revision = "rt";

/** `Bun.sleep(ms | Date)`: a promise that resolves after the delay. */
export function sleep(ms) {
  if (ms instanceof Date) ms = ms.getTime() - Date.now();
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new TypeError("Bun.sleep expects a number of milliseconds or a Date");
  }
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * `Bun.inspect(value, options)`: the string console.log prints for a value,
 * in Bun's layout (ext/web/inspect.js).
 */
export function inspect(value, options = undefined) {
  return inspector().inspect(value, options);
}
inspect.custom = Symbol.for("nodejs.util.inspect.custom");
inspect.table = (data, properties, options) => inspector().table(data, properties, options);

// Bun.listen/connect load their sockets module when first called.
const sockets = core.createLazyLoader("ext:rt_bun/socket.js");
export const listen = (options) => sockets().listen(options);
export const connect = (options) => sockets().connect(options);

export const nanoseconds = () => op_rt_nanoseconds();

// Accessors (`Make::Getter`): read on every access.
export const env = () => processEnv();
export const argv = () => processInfo().argv;
export const main = () => processInfo().main;

/** The `Bun` namespace object. */
export const Bun = {};

/** How each member of the table is made, by its name (the `bun` module's
 * stand-ins need the shapes). */
export const members = { __proto__: null };

/** Fills `Bun` from the table. Run by 99_main.js once every module of the
 * snapshot has been evaluated, so a value's module is loaded already. */
export function installBun() {
  const table = op_bun_surface();
  for (let i = 0; i < table.length; i++) {
    const { 0: name, 1: module, 2: how, 3: shape } = table[i];
    members[name] = { how, shape };
    const load = core.createLazyLoader(module);
    switch (how) {
      case "value":
        Bun[name] = load()[name];
        break;
      case "getter": {
        const get = load()[name];
        Object.defineProperty(Bun, name, { __proto__: null, get, enumerable: true, configurable: true });
        break;
      }
      case "first-read":
        // An accessor without a setter, as a getter member has; the value
        // replaces it once made.
        Object.defineProperty(Bun, name, {
          __proto__: null,
          get() {
            const value = load()[name]();
            Object.defineProperty(Bun, name, { __proto__: null, value, writable: true });
            return value;
          },
          enumerable: true,
          configurable: true,
        });
        break;
      case "lazy":
        lazyProperty(Bun, name, () => load()[name], true);
        break;
      case "made":
        lazyProperty(Bun, name, () => load()[name](), true);
        break;
    }
  }
  Object.defineProperty(Bun, Symbol.toStringTag, { __proto__: null, value: "Bun" });
  Object.defineProperty(globalThis, "Bun", {
    __proto__: null,
    value: Bun,
    writable: false,
    enumerable: false,
    configurable: false,
  });
}
