// node:module: CommonJS for rt: `require`, `module.exports`/`exports`,
// `__filename`/`__dirname`, JSON via require, `require()` of ES modules
// without top-level await, and `createRequire`. Resolution, transpiling and
// the CommonJS/ESM decision are the module loader's (Rust), through
// op_rt_require_resolve/op_rt_require_load, so `import` and `require` agree.
// Each CommonJS file is wrapped as
// `(function (exports, require, module, __filename, __dirname) {` on its
// first line, so its line numbers stay right.

import { core } from "ext:core/mod.js";
import {
  op_import_sync,
  op_rt_builtin_modules,
  op_rt_require_load,
  op_rt_require_resolve,
} from "ext:core/ops";
import { codes, errors, invalidArgType } from "ext:rt_web/01_errors.js";

/** The built-ins `require` loads, by the name resolution gives them
 * (`node:fs`, `bun`), each with its module, from rt's surface table
 * (ext/surface.rs). */
const BUILTINS = new Map(op_rt_builtin_modules());
/** Node's, bare (`fs`, `fs/promises`). */
const builtinModules = [];
for (const name of BUILTINS.keys()) {
  if (name.startsWith("node:")) builtinModules.push(name.slice(5));
}

/** Loaded modules by absolute file name (`require.cache`). */
const cache = { __proto__: null };

function fileUrl(path) {
  const url = new URL("file:///");
  url.pathname = path;
  return url.href;
}

function dirname(path) {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

class Module {
  constructor(id = "", parent = undefined) {
    this.id = id;
    this.filename = id;
    this.path = dirname(id);
    this.exports = {};
    this.loaded = false;
    this.children = [];
    this.paths = [];
    this.parent = parent;
    if (parent) parent.children.push(this);
  }

  require(specifier) {
    return requireFrom(this, specifier);
  }
}

function builtin(name) {
  if (name === "node:module") return Module;
  // The module's default export is what `require` returns (`module.exports`).
  return core.createLazyLoader(BUILTINS.get(name))().default;
}

function resolveFrom(parent, specifier) {
  if (typeof specifier !== "string") {
    throw invalidArgType("id", "of type string", specifier);
  }
  try {
    return op_rt_require_resolve(specifier, parent.filename);
  } catch (err) {
    // Node's code, which packages test for optional dependencies.
    if (err && err.message && err.message.startsWith("Cannot find")) {
      err.code = codes.ModuleNotFound;
    } else if (err && /Node built-in/.test(err.message)) {
      err.code = codes.UnknownBuiltinModule;
    }
    throw err;
  }
}

function requireFrom(parent, specifier) {
  const filename = resolveFrom(parent, specifier);
  if (BUILTINS.has(filename)) return builtin(filename);
  const cached = cache[filename];
  if (cached) return cached.exports;
  const { 0: format, 1: code } = op_rt_require_load(filename);
  const module = new Module(filename, parent);
  cache[filename] = module;
  try {
    if (format === "esm") {
      try {
        module.exports = op_import_sync(fileUrl(filename));
      } catch (err) {
        if (!/Top-level await/i.test(err?.message)) throw err;
        // Bun's wording; Node's code.
        const refusal = errors.RequireAsyncModule(`require() async module "${filename}" is unsupported. use "await import()" instead.`);
        throw refusal;
      }
    } else if (format === "json") {
      try {
        module.exports = JSON.parse(code);
      } catch (err) {
        err.message = `${filename}: ${err.message}`;
        throw err;
      }
    } else {
      compile(module, code);
    }
  } catch (err) {
    delete cache[filename];
    throw err;
  }
  module.loaded = true;
  return module.exports;
}

function compile(module, code) {
  // A hashbang is only valid at the very start of a script.
  if (code.startsWith("#!")) code = "//" + code.slice(2);
  const wrapped =
    "(function (exports, require, module, __filename, __dirname) { " +
    code + "\n})";
  const { 0: fn, 1: error } = core.evalContext(
    wrapped,
    fileUrl(module.filename),
  );
  if (error) throw error.thrown;
  fn.call(
    module.exports,
    module.exports,
    makeRequire(module),
    module,
    module.filename,
    module.path,
  );
}

function makeRequire(module) {
  const require = (specifier) => requireFrom(module, specifier);
  require.resolve = (specifier) => {
    const resolved = resolveFrom(module, specifier);
    return resolved.startsWith("node:") && !specifier.startsWith("node:")
      ? resolved.slice(5)
      : resolved;
  };
  require.resolve.paths = () => null;
  require.cache = cache;
  require.main = undefined;
  require.extensions = Module._extensions;
  return require;
}

/** `createRequire(filename | file URL)`: a `require` relative to that file
 * (a path ending in `/` is a directory). */
function createRequire(from) {
  let filename = from;
  if (typeof from === "object" && from !== null && "href" in from) {
    filename = String(from.href);
  }
  if (typeof filename !== "string") {
    const err = errors.InvalidArgValue("The argument 'filename' must be a file URL object, file URL string, or absolute path string.");
    throw err;
  }
  if (filename.startsWith("file:")) {
    filename = decodeURIComponent(new URL(filename).pathname);
  }
  if (!filename.startsWith("/")) {
    const err = errors.InvalidArgValue(`The argument 'filename' must be a file URL object, file URL string, or absolute path string. Received '${filename}'`);
    throw err;
  }
  if (filename.endsWith("/")) filename += "[dir]";
  const module = new Module(filename);
  return makeRequire(module);
}

Module.Module = Module;
Module.createRequire = createRequire;
Module.builtinModules = builtinModules;
// Bun counts its own modules (`bun`, `bun:test`) as built-in too; rt's
// test harness is one only inside `rt test`, as a stand-in for a file.
Module.isBuiltin = (name) => {
  const text = String(name);
  if (text.startsWith("node:")) return BUILTINS.has(text);
  return BUILTINS.has(`node:${text}`) || (BUILTINS.has(text) && text.startsWith("bun"));
};
Module._cache = cache;
Module._extensions = { __proto__: null, ".js": null, ".json": null, ".node": null };
Module._load = (request, parent) =>
  requireFrom(parent ?? new Module(process.cwd() + "/[eval]"), request);
Module._resolveFilename = (request, parent) =>
  resolveFrom(parent ?? new Module(process.cwd() + "/[eval]"), request);
Module.wrap = (code) =>
  "(function (exports, require, module, __filename, __dirname) { " + code +
  "\n});";

export default Module;
export { builtinModules, createRequire, Module };
export const { isBuiltin } = Module;
