// node:util: format, inspect (deno_web's Node-style formatter), promisify,
// callbackify, inherits, deprecate, types and isDeepStrictEqual.

import { core } from "ext:core/mod.js";
import { invalidArgType } from "ext:rt_web/01_errors.js";

// node:assert has the deep equality; it loads when first asked for.
const assertModule = core.createLazyLoader("node:assert");
const consoleScript = () => core.loadExtScript("ext:deno_web/01_console.js");

const customInspect = Symbol.for("nodejs.util.inspect.custom");
const customPromisify = Symbol.for("nodejs.util.promisify.custom");

function inspect(value, options = {}) {
  const opts = typeof options === "object" && options !== null ? options : {};
  return consoleScript().inspect(value, {
    depth: opts.depth ?? 2,
    colors: !!opts.colors,
    compact: opts.compact ?? 3,
    sorted: !!opts.sorted,
    getters: !!opts.getters,
    showHidden: !!opts.showHidden,
  });
}
inspect.custom = customInspect;
inspect.defaultOptions = { depth: 2, colors: false };

/** printf-style formatting: %s %d %i %f %j %o %O %c %%. */
function format(...args) {
  return formatWithOptions({}, ...args);
}

function formatWithOptions(options, first, ...rest) {
  if (typeof first !== "string") {
    return [first, ...rest]
      .map((v) => (typeof v === "string" ? v : inspect(v, options)))
      .join(" ");
  }
  let i = 0;
  let out = first.replace(/%([sdifjoOc%])/g, (match, kind) => {
    if (kind === "%") return "%";
    if (i >= rest.length) return match;
    const value = rest[i++];
    switch (kind) {
      case "s":
        return typeof value === "string"
          ? value
          : typeof value === "bigint"
          ? `${value}n`
          : typeof value === "object" && value !== null
          ? inspect(value, { ...options, depth: 0 })
          : String(value);
      case "d":
      case "i": {
        if (typeof value === "bigint") return `${value}n`;
        const n = Number(value);
        return String(kind === "i" ? Math.trunc(n) : n);
      }
      case "f":
        return String(Number.parseFloat(value));
      case "j":
        try {
          return JSON.stringify(value);
        } catch {
          return "[Circular]";
        }
      case "o":
      case "O":
        return inspect(value, options);
      case "c":
        return "";
    }
    return match;
  });
  for (; i < rest.length; i++) {
    const value = rest[i];
    out += " " + (typeof value === "string" ? value : inspect(value, options));
  }
  return out;
}

function promisify(original) {
  if (typeof original !== "function") {
    throw invalidArgType("original", "of type function", original);
  }
  if (original[customPromisify]) return original[customPromisify];
  function promisified(...args) {
    return new Promise((resolve, reject) => {
      original.call(this, ...args, (err, ...values) => {
        if (err) reject(err);
        else resolve(values.length > 1 ? values : values[0]);
      });
    });
  }
  Object.setPrototypeOf(promisified, Object.getPrototypeOf(original));
  Object.defineProperty(promisified, customPromisify, { __proto__: null, value: promisified });
  return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = customPromisify;

function callbackify(original) {
  return function (...args) {
    const callback = args.pop();
    original.apply(this, args).then(
      (value) => queueMicrotask(() => callback(null, value)),
      (err) => queueMicrotask(() => callback(err ?? new Error("Promise was rejected with a falsy value"))),
    );
  };
}

function inherits(ctor, superCtor) {
  Object.defineProperty(ctor, "super_", { __proto__: null, value: superCtor, writable: true, configurable: true });
  Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
}

const warned = new Set();
function deprecate(fn, message, code) {
  let warnedHere = false;
  return function (...args) {
    if (!warnedHere && !(code && warned.has(code))) {
      warnedHere = true;
      if (code) warned.add(code);
      process.emitWarning?.(message, "DeprecationWarning", code) ??
        console.warn(`[${code ?? "DEP"}] DeprecationWarning: ${message}`);
    }
    return new.target ? Reflect.construct(fn, args, new.target) : fn.apply(this, args);
  };
}

const tag = (value) => Object.prototype.toString.call(value).slice(8, -1);
const TypedArray = Object.getPrototypeOf(Uint8Array);
const types = {
  isPromise: (v) => v instanceof Promise,
  isRegExp: (v) => tag(v) === "RegExp",
  isDate: (v) => tag(v) === "Date",
  isMap: (v) => tag(v) === "Map",
  isSet: (v) => tag(v) === "Set",
  isWeakMap: (v) => tag(v) === "WeakMap",
  isWeakSet: (v) => tag(v) === "WeakSet",
  isNativeError: (v) => v instanceof Error,
  isAsyncFunction: (v) => typeof v === "function" && tag(v) === "AsyncFunction",
  isGeneratorFunction: (v) => typeof v === "function" && /GeneratorFunction$/.test(tag(v)),
  isGeneratorObject: (v) => tag(v) === "Generator",
  isTypedArray: (v) => v instanceof TypedArray,
  isUint8Array: (v) => v instanceof Uint8Array,
  isArrayBuffer: (v) => v instanceof ArrayBuffer,
  isSharedArrayBuffer: (v) => v instanceof SharedArrayBuffer,
  isAnyArrayBuffer: (v) => v instanceof ArrayBuffer || v instanceof SharedArrayBuffer,
  isArrayBufferView: (v) => ArrayBuffer.isView(v),
  isDataView: (v) => v instanceof DataView,
  isBoxedPrimitive: (v) =>
    v !== null && typeof v === "object" &&
    ["Number", "String", "Boolean", "BigInt", "Symbol"].includes(tag(v)),
  isSymbolObject: (v) => typeof v === "object" && tag(v) === "Symbol",
  isProxy: () => false,
};

function isDeepStrictEqual(a, b) {
  return assertModule().isDeepEqual(a, b, true);
}

const util = {
  format,
  formatWithOptions,
  inspect,
  promisify,
  callbackify,
  inherits,
  deprecate,
  types,
  isDeepStrictEqual,
  isArray: Array.isArray,
  isError: (v) => v instanceof Error,
  debuglog: () => Object.assign(() => {}, { enabled: false }),
  debug: () => Object.assign(() => {}, { enabled: false }),
  stripVTControlCharacters: (s) => consoleScript().stripVTControlCharacters(s),
  toUSVString: (s) => String(s).toWellFormed(),
  TextEncoder: globalThis.TextEncoder,
  TextDecoder: globalThis.TextDecoder,
};
export default util;
export {
  format,
  formatWithOptions,
  inspect,
  promisify,
  callbackify,
  inherits,
  deprecate,
  types,
  isDeepStrictEqual,
};
export const {
  isArray,
  isError,
  debuglog,
  debug,
  stripVTControlCharacters,
  toUSVString,
  TextEncoder,
  TextDecoder,
} = util;
