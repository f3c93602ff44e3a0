// node:path: the POSIX flavour (rt runs on POSIX systems); `win32` is the
// same object, as a stand-in, so code that only reads `path.win32.sep`
// loads.

import { invalidArgType } from "ext:rt_web/01_errors.js";

function assertPath(path, name = "path") {
  if (typeof path !== "string") {
    throw invalidArgType(name, "of type string", path);
  }
}

/** Resolves `.` and `..` segments; `absolute` keeps `..` from leaving `/`. */
function normalizeSegments(path, absolute) {
  const out = [];
  for (const segment of path.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else {
      out.push(segment);
    }
  }
  return out.join("/");
}

function normalize(path) {
  assertPath(path);
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  let out = normalizeSegments(path, absolute);
  if (out === "" && !absolute) out = ".";
  if (out !== "" && trailing) out += "/";
  return absolute ? "/" + out : out;
}

function join(...parts) {
  for (const part of parts) assertPath(part);
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

function resolve(...parts) {
  let resolved = "";
  for (let i = parts.length - 1; i >= -1 && !resolved.startsWith("/"); i--) {
    const part = i >= 0 ? parts[i] : process.cwd();
    assertPath(part);
    if (part === "") continue;
    resolved = resolved === "" ? part : `${part}/${resolved}`;
  }
  const out = normalizeSegments(resolved, true);
  return "/" + out;
}

function isAbsolute(path) {
  assertPath(path);
  return path.startsWith("/");
}

function relative(from, to) {
  assertPath(from, "from");
  assertPath(to, "to");
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...Array(a.length - i).fill(".."), ...b.slice(i)].join("/");
}

function dirname(path) {
  assertPath(path);
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  const i = trimmed.lastIndexOf("/");
  if (i === -1) return ".";
  if (i === 0) return "/";
  return trimmed.slice(0, i).replace(/\/+$/, "") || "/";
}

function basename(path, ext) {
  assertPath(path);
  if (ext !== undefined) assertPath(ext, "ext");
  const trimmed = path.replace(/\/+$/, "");
  let base = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  if (ext !== undefined && base.endsWith(ext) && base !== ext) {
    base = base.slice(0, base.length - ext.length);
  }
  return base;
}

function extname(path) {
  assertPath(path);
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  return dot <= 0 || base === ".." ? "" : base.slice(dot);
}

function parse(path) {
  assertPath(path);
  const root = path.startsWith("/") ? "/" : "";
  const base = basename(path);
  const ext = extname(path);
  let dir = dirname(path);
  if (dir === "." && !path.includes("/")) dir = "";
  return {
    root,
    dir,
    base,
    ext,
    name: ext ? base.slice(0, base.length - ext.length) : base,
  };
}

function format(obj) {
  if (obj === null || typeof obj !== "object") {
    throw invalidArgType("pathObject", "of type object", obj);
  }
  const dir = obj.dir || obj.root || "";
  const ext = obj.ext ? (obj.ext.startsWith(".") ? obj.ext : "." + obj.ext) : "";
  const base = obj.base || `${obj.name || ""}${ext}`;
  if (!dir) return base;
  return dir === obj.root ? `${dir}${base}` : `${dir}/${base}`;
}

function toNamespacedPath(path) {
  return path;
}

function matchesGlob(path, pattern) {
  const re = new RegExp(
    "^" +
      pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*\*\/?/g, "\u0000")
        .replace(/\*/g, "[^/]*")
        .replace(/\?/g, "[^/]")
        .replace(/\u0000/g, ".*") +
      "$",
  );
  return re.test(path);
}

const posix = {
  sep: "/",
  delimiter: ":",
  normalize,
  join,
  resolve,
  isAbsolute,
  relative,
  dirname,
  basename,
  extname,
  parse,
  format,
  toNamespacedPath,
  matchesGlob,
};
posix.posix = posix;
posix.win32 = posix;
export default posix;
export {
  normalize,
  join,
  resolve,
  isAbsolute,
  relative,
  dirname,
  basename,
  extname,
  parse,
  format,
  toNamespacedPath,
  matchesGlob,
};
export const { sep, delimiter, win32 } = posix;
// Members whose module-level binding is another value.
const {
  posix: posix$,
} = posix;
export {
  posix$ as posix,
};
