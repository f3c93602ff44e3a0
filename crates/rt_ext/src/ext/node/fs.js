// node:fs: the file calls server packages make: readFile, writeFile,
// appendFile, stat/lstat, readdir, mkdir, rm/unlink/rmdir, exists, access,
// in sync, callback and promise (`fs.promises`) forms. Async forms run on
// tokio's blocking pool, never on the event loop.

import {
  op_node_fs_exists_sync,
  op_node_fs_mkdir,
  op_node_fs_mkdir_sync,
  op_node_fs_read,
  op_node_fs_read_sync,
  op_node_fs_readdir,
  op_node_fs_readdir_sync,
  op_node_fs_rm,
  op_node_fs_rm_sync,
  op_node_fs_stat,
  op_node_fs_stat_sync,
  op_node_fs_write,
  op_node_fs_write_sync,
} from "ext:core/ops";
import { Buffer } from "node:buffer";
import { codes, errors, invalidArgType } from "ext:rt_web/01_errors.js";

function pathArg(path, name = "path") {
  if (typeof path === "string") return path;
  if (path instanceof URL) {
    if (path.protocol !== "file:") {
      const err = errors.InvalidUrlScheme("The URL must be of scheme file");
      throw err;
    }
    return decodeURIComponent(path.pathname);
  }
  if (path instanceof Uint8Array) return Buffer.from(path).toString();
  throw invalidArgType(name, "of type string or an instance of Buffer or URL", path);
}

function encodingOf(options) {
  return typeof options === "string" ? options : options?.encoding ?? null;
}

function dataBytes(data, options) {
  if (typeof data === "string") return Buffer.from(data, encodingOf(options) ?? "utf8");
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  throw invalidArgType(
    "data",
    "of type string or an instance of Buffer, TypedArray, or DataView",
    data,
  );
}

function decode(bytes, options) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const encoding = encodingOf(options);
  return encoding && encoding !== "buffer" ? buf.toString(encoding) : buf;
}

/** Node's errors carry errno, syscall and path besides code. */
function nodeError(err) {
  if (err && typeof err.message === "string") {
    const m = /^(\w+): .*, (\w+) '(.*)'$/s.exec(err.message);
    if (m) {
      err.syscall = m[2];
      err.path = m[3];
      err.errno = -({ ENOENT: 2, EEXIST: 17, ENOTDIR: 20, EISDIR: 21, EACCES: 13, EPERM: 1, ENOTEMPTY: 39 }[err.code] ?? 5);
    }
  }
  return err;
}

function sync(fn) {
  return (...args) => {
    try {
      return fn(...args);
    } catch (err) {
      throw nodeError(err);
    }
  };
}

function async(fn) {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw nodeError(err);
    }
  };
}

class Stats {
  constructor(raw) {
    this.dev = raw.dev;
    this.ino = raw.ino;
    this.mode = raw.mode;
    this.nlink = raw.nlink;
    this.uid = raw.uid;
    this.gid = raw.gid;
    this.size = raw.size;
    this.atimeMs = raw.atimeMs;
    this.mtimeMs = raw.mtimeMs;
    this.ctimeMs = raw.ctimeMs;
    this.birthtimeMs = raw.birthtimeMs;
    this.atime = new Date(raw.atimeMs);
    this.mtime = new Date(raw.mtimeMs);
    this.ctime = new Date(raw.ctimeMs);
    this.birthtime = new Date(raw.birthtimeMs);
    this.blksize = 4096;
    this.blocks = Math.ceil(raw.size / 512);
    this.rdev = 0;
  }
  isFile() {
    return (this.mode & 0o170000) === 0o100000;
  }
  isDirectory() {
    return (this.mode & 0o170000) === 0o040000;
  }
  isSymbolicLink() {
    return (this.mode & 0o170000) === 0o120000;
  }
  isFIFO() {
    return (this.mode & 0o170000) === 0o010000;
  }
  isSocket() {
    return (this.mode & 0o170000) === 0o140000;
  }
  isBlockDevice() {
    return (this.mode & 0o170000) === 0o060000;
  }
  isCharacterDevice() {
    return (this.mode & 0o170000) === 0o020000;
  }
}

class Dirent {
  constructor(name, kind, parentPath) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this.kind = kind;
  }
  isFile() {
    return this.kind === 0;
  }
  isDirectory() {
    return this.kind === 1;
  }
  isSymbolicLink() {
    return this.kind === 2;
  }
  isFIFO() {
    return false;
  }
  isSocket() {
    return false;
  }
  isBlockDevice() {
    return false;
  }
  isCharacterDevice() {
    return false;
  }
}
Object.defineProperty(Dirent.prototype, "kind", { __proto__: null, writable: true, enumerable: false, value: 0 });

function entries(list, path, options) {
  if (options?.withFileTypes) return list.map(([name, kind]) => new Dirent(name, kind, path));
  return list.map(([name]) => name);
}

function statResult(raw, options) {
  const stats = new Stats(raw);
  if (options?.bigint) {
    for (const key of ["dev", "ino", "mode", "nlink", "uid", "gid", "size", "blocks"]) {
      stats[key] = BigInt(stats[key]);
    }
  }
  return stats;
}

const existsSync = (path) => {
  try {
    return op_node_fs_exists_sync(pathArg(path));
  } catch {
    return false;
  }
};

const readFileSync = sync((path, options) =>
  decode(op_node_fs_read_sync(pathArg(path)), options));
const writeFileSync = sync((path, data, options) => {
  const append = typeof options === "object" && options?.flag?.startsWith("a");
  op_node_fs_write_sync(pathArg(path), dataBytes(data, options), !!append);
});
const appendFileSync = sync((path, data, options) =>
  op_node_fs_write_sync(pathArg(path), dataBytes(data, options), true));
const statSync = sync((path, options) => {
  try {
    return statResult(op_node_fs_stat_sync(pathArg(path), true), options);
  } catch (err) {
    if (options?.throwIfNoEntry === false && err.code === codes.Enoent) return undefined;
    throw err;
  }
});
const lstatSync = sync((path, options) =>
  statResult(op_node_fs_stat_sync(pathArg(path), false), options));
const readdirSync = sync((path, options) =>
  entries(op_node_fs_readdir_sync(pathArg(path)), pathArg(path), options));
const mkdirSync = sync((path, options) => {
  const recursive = typeof options === "object" && !!options?.recursive;
  const p = pathArg(path);
  const existed = recursive && existsSync(p);
  op_node_fs_mkdir_sync(p, recursive);
  return recursive && !existed ? p : undefined;
});
const rmSync = sync((path, options) =>
  op_node_fs_rm_sync(pathArg(path), !!options?.recursive, !!options?.force));
const unlinkSync = sync((path) => {
  const p = pathArg(path);
  if (op_node_fs_stat_sync(p, false).isDirectory) {
    const err = errors.Eisdir(`EISDIR: illegal operation on a directory, unlink '${p}'`);
    throw err;
  }
  op_node_fs_rm_sync(p, false, false);
});
const rmdirSync = sync((path, options) =>
  op_node_fs_rm_sync(pathArg(path), !!options?.recursive, false));
const accessSync = sync((path) => {
  op_node_fs_stat_sync(pathArg(path), true);
});

/** `prefix` and six random characters, created as a directory (EEXIST retried). */
function tempName(prefix) {
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let suffix = "";
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  for (const b of bytes) suffix += chars[b % chars.length];
  return `${pathArg(prefix, "prefix")}${suffix}`;
}

const mkdtempSync = (prefix) => {
  for (;;) {
    const path = tempName(prefix);
    try {
      op_node_fs_mkdir_sync(path, false);
      return path;
    } catch (err) {
      if (err?.code !== codes.Eexist) throw err;
    }
  }
};

const promises = {
  readFile: async(async (path, options) =>
    decode(await op_node_fs_read(pathArg(path)), options)),
  writeFile: async(async (path, data, options) => {
    const append = typeof options === "object" && options?.flag?.startsWith("a");
    await op_node_fs_write(pathArg(path), dataBytes(data, options), !!append);
  }),
  appendFile: async(async (path, data, options) =>
    await op_node_fs_write(pathArg(path), dataBytes(data, options), true)),
  stat: async(async (path, options) =>
    statResult(await op_node_fs_stat(pathArg(path), true), options)),
  lstat: async(async (path, options) =>
    statResult(await op_node_fs_stat(pathArg(path), false), options)),
  readdir: async(async (path, options) =>
    entries(await op_node_fs_readdir(pathArg(path)), pathArg(path), options)),
  mkdir: async(async (path, options) => {
    const recursive = typeof options === "object" && !!options?.recursive;
    const p = pathArg(path);
    const existed = recursive && existsSync(p);
    await op_node_fs_mkdir(p, recursive);
    return recursive && !existed ? p : undefined;
  }),
  mkdtemp: async(async (prefix) => {
    for (;;) {
      const path = tempName(prefix);
      try {
        await op_node_fs_mkdir(path, false);
        return path;
      } catch (err) {
        if (err?.code !== codes.Eexist) throw err;
      }
    }
  }),
  rm: async(async (path, options) =>
    await op_node_fs_rm(pathArg(path), !!options?.recursive, !!options?.force)),
  unlink: async(async (path) => unlinkSync(path)),
  rmdir: async(async (path, options) =>
    await op_node_fs_rm(pathArg(path), !!options?.recursive, false)),
  access: async(async (path) => {
    await op_node_fs_stat(pathArg(path), true);
  }),
};
promises.constants = { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 };

/** The callback form of a promise function: the callback comes last. */
function callbackified(fn) {
  return (...args) => {
    const callback = args.pop();
    if (typeof callback !== "function") {
      throw invalidArgType("cb", "of type function", callback);
    }
    fn(...args).then((value) => callback(null, value), (err) => callback(err));
  };
}

const fs = {
  existsSync,
  readFileSync,
  writeFileSync,
  appendFileSync,
  statSync,
  lstatSync,
  readdirSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  unlinkSync,
  rmdirSync,
  accessSync,
  exists: (path, callback) => queueMicrotask(() => callback(existsSync(path))),
  promises,
  constants: promises.constants,
  Stats,
  Dirent,
};
for (const name of Object.keys(promises)) {
  if (typeof promises[name] === "function") fs[name] = callbackified(promises[name]);
}
export default fs;
export {
  existsSync,
  readFileSync,
  writeFileSync,
  appendFileSync,
  statSync,
  lstatSync,
  readdirSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  unlinkSync,
  rmdirSync,
  accessSync,
  promises,
  Stats,
  Dirent,
};
export const {
  exists,
  constants,
  readFile,
  writeFile,
  appendFile,
  stat,
  lstat,
  readdir,
  mkdir,
  mkdtemp,
  rm,
  unlink,
  rmdir,
  access,
} = fs;
