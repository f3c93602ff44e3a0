// node:module — CommonJS for rt: `require`, `module.exports`/`exports`,
// `__filename`/`__dirname`, JSON via require, `require()` of ES modules
// without top-level await, and `createRequire`. Resolution, transpiling and
// the CommonJS/ESM decision are the module loader's (Rust), through
// op_rt_require_resolve/op_rt_require_load, so `import` and `require` agree.
// Each CommonJS file is wrapped as
// `(function (exports, require, module, __filename, __dirname) {` on its
// first line, so its line numbers stay right.

(function () {
const { core } = __bootstrap;
const { op_rt_require_resolve, op_rt_require_load, op_import_sync } =
  core.ops;

/** Built-in names and the scripts that implement them. */
const BUILTIN_SCRIPTS = {
  __proto__: null,
  assert: "assert",
  async_hooks: "async_hooks",
  buffer: "buffer",
  crypto: "crypto",
  diagnostics_channel: "diagnostics_channel",
  dns: "dns",
  events: "events",
  fs: "fs",
  "fs/promises": "fs_promises",
  net: "net",
  os: "os",
  path: "path",
  "path/posix": "path",
  process: "process",
  stream: "stream",
  string_decoder: "string_decoder",
  timers: "timers",
  tls: "tls",
  tty: "tty",
  url: "url",
  util: "util",
};
const builtinModules = [...Object.keys(BUILTIN_SCRIPTS), "module"];

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
  if (name === "module") return moduleExports;
  const script = BUILTIN_SCRIPTS[name];
  const exports = core.loadExtScript(`ext:rt/node/${script}.js`);
  // The script's `default` is what `require` returns (`module.exports`).
  return exports.default ?? exports;
}

function resolveFrom(parent, specifier) {
  if (typeof specifier !== "string") {
    throw core.loadExtScript("ext:rt/node/_errors.js")
      .invalidArgType("id", "of type string", specifier);
  }
  try {
    return op_rt_require_resolve(specifier, parent.filename);
  } catch (err) {
    // Node's code, which packages test for optional dependencies.
    if (err && err.message && err.message.startsWith("Cannot find")) {
      err.code = "MODULE_NOT_FOUND";
    } else if (err && /Node built-in/.test(err.message)) {
      err.code = "ERR_UNKNOWN_BUILTIN_MODULE";
    }
    throw err;
  }
}

function requireFrom(parent, specifier) {
  const filename = resolveFrom(parent, specifier);
  if (filename.startsWith("node:")) return builtin(filename.slice(5));
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
        const refusal = new TypeError(
          `require() async module "${filename}" is unsupported. use "await import()" instead.`,
        );
        refusal.code = "ERR_REQUIRE_ASYNC_MODULE";
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
    const err = new TypeError(
      "The argument 'filename' must be a file URL object, file URL string, or absolute path string.",
    );
    err.code = "ERR_INVALID_ARG_VALUE";
    throw err;
  }
  if (filename.startsWith("file:")) {
    filename = decodeURIComponent(new URL(filename).pathname);
  }
  if (!filename.startsWith("/")) {
    const err = new TypeError(
      `The argument 'filename' must be a file URL object, file URL string, or absolute path string. Received '${filename}'`,
    );
    err.code = "ERR_INVALID_ARG_VALUE";
    throw err;
  }
  if (filename.endsWith("/")) filename += "[dir]";
  const module = new Module(filename);
  return makeRequire(module);
}

Module.Module = Module;
Module.createRequire = createRequire;
Module.builtinModules = builtinModules;
Module.isBuiltin = (name) => {
  const bare = String(name).startsWith("node:") ? String(name).slice(5) : name;
  return builtinModules.includes(bare);
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

const moduleExports = Module;
return {
  default: Module,
  Module,
  createRequire,
  builtinModules,
  isBuiltin: Module.isBuiltin,
};
})();
