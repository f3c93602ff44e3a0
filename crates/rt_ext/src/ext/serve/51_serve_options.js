// Bun.serve's options as Bun checks them (tls, compression, port, idle
// timeout, body size, routes), turned into what the Rust server takes;
// and the development error page.

import { primordials } from "ext:core/mod.js";
import { webScript } from "ext:rt_web/00_web.js";
import { env } from "ext:rt_web/02_process.js";
import { errors } from "ext:rt_web/01_errors.js";
import { bunFileTextSync, fileSource, isBunFile } from "ext:rt_http/27_file.js";
import { headerList } from "ext:rt_http/22_headers.js";
import { kSource, kStream, TEXT_TYPE } from "ext:rt_http/24_body.js";
import {
  JSON_TYPE,
  kHeaders,
  kImpliedType,
  kStatus,
  kType,
  Response,
} from "ext:rt_http/26_response.js";

const {
  ArrayBufferIsView,
  ArrayBufferPrototype,
  ArrayIsArray,
  ArrayPrototypeEvery,
  ArrayPrototypeIncludes,
  ArrayPrototypePush,
  NumberIsFinite,
  NumberIsInteger,
  ObjectEntries,
  ObjectKeys,
  ObjectPrototypeIsPrototypeOf,
  RangeError,
  StringPrototypeToUpperCase,
  TypeError,
  Uint8Array,
} = primordials;


const { TextEncoder: TextEncoderImpl, TextDecoder: TextDecoderImpl } = webScript("08_text_encoding");
const encoder = new TextEncoderImpl();
const decoder = new TextDecoderImpl();

const DEFAULT_IDLE_TIMEOUT = 10;
const MAX_IDLE_TIMEOUT = 255;
const DEFAULT_MAX_BODY = 128 * 1024 * 1024;
const ROUTE_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];

/**
 * One PEM input of `tls` (`key`, `cert`, `ca`): a string, a Buffer/TypedArray/
 * DataView, an ArrayBuffer, a `Bun.file()` (read now, as Bun does), or an
 * array of those, joined as one PEM text.
 */
function pemText(value, where) {
  if (value === undefined || value === null || value === false) return "";
  if (typeof value === "string") return value;
  if (isBunFile(value)) return bunFileTextSync(value, `Bun.serve: ${where}`);
  if (ArrayIsArray(value)) {
    const parts = [];
    for (let i = 0; i < value.length; i++) ArrayPrototypePush(parts, pemText(value[i], `${where}[${i}]`));
    return parts.join("\n");
  }
  if (ArrayBufferIsView(value)) {
    return decoder.decode(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  }
  if (ObjectPrototypeIsPrototypeOf(ArrayBufferPrototype, value)) return decoder.decode(new Uint8Array(value));
  throw errors.InvalidArgType(`Bun.serve: ${where} must be a string, a Buffer, a TypedArray, an ArrayBuffer, a BunFile or an array of them`);
}

function optionalString(value, where) {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") {
    throw errors.InvalidArgType(`Bun.serve: ${where} must be a string`);
  }
  return value;
}

/** Bun's `tls` option (an object or an array of them, first = default) -> entries for Rust. */
export function resolveTls(tls) {
  if (tls === undefined || tls === null || tls === false) return null;
  if (typeof tls !== "object") {
    throw errors.InvalidArgType("Bun.serve: tls must be an object or an array of objects");
  }
  const list = ArrayIsArray(tls) ? tls : [tls];
  const entries = [];
  for (let i = 0; i < list.length; i++) {
    const at = ArrayIsArray(tls) ? `tls[${i}]` : "tls";
    const entry = list[i];
    if (entry === undefined || entry === null) continue;
    if (typeof entry !== "object") {
      throw errors.InvalidArgType(`Bun.serve: ${at} must be an object`);
    }
    ArrayPrototypePush(entries, {
      key: pemText(entry.key, `${at}.key`),
      cert: pemText(entry.cert, `${at}.cert`),
      keyFile: optionalString(entry.keyFile, `${at}.keyFile`),
      certFile: optionalString(entry.certFile, `${at}.certFile`),
      serverName: optionalString(entry.serverName, `${at}.serverName`),
      passphrase: optionalString(entry.passphrase, `${at}.passphrase`),
    });
  }
  if (entries.length === 0) return null;
  // Client certificates are asked for on the whole listener, as the first
  // (default) entry says.
  const first = list[0] ?? {};
  return {
    entries,
    requestCert: !!first.requestCert,
    rejectUnauthorized: first.rejectUnauthorized !== false,
    ca: pemText(first.ca, ArrayIsArray(tls) ? "tls[0].ca" : "tls.ca"),
  };
}

const ENCODINGS = ["br", "zstd", "gzip", "deflate"];

/**
 * rt's `compression` option (Bun has none): `true` for br, zstd, gzip and
 * deflate over 1 KiB, or `{ encodings, threshold, level }`.
 */
export function resolveCompression(value) {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return { encodings: ENCODINGS, threshold: 1024, level: null };
  if (typeof value !== "object") {
    throw errors.InvalidArgType("Bun.serve: compression must be a boolean or an object");
  }
  const encodings = value.encodings ?? ENCODINGS;
  if (!ArrayIsArray(encodings) || encodings.length === 0 ||
    !ArrayPrototypeEvery(encodings, (e) => ArrayPrototypeIncludes(ENCODINGS, e))) {
    throw errors.InvalidArgValue(`Bun.serve: compression.encodings must list some of ${ENCODINGS.join(", ")}`);
  }
  const threshold = value.threshold ?? 1024;
  if (typeof threshold !== "number" || !NumberIsFinite(threshold) || threshold < 0) {
    throw new RangeError("Bun.serve: compression.threshold must be a non-negative number of bytes");
  }
  const level = value.level ?? null;
  if (level !== null && (!NumberIsInteger(level) || level < 0 || level > 19)) {
    throw new RangeError("Bun.serve: compression.level must be an integer from 0 to 19");
  }
  return { encodings, threshold, level };
}

/** Bun's (Node's) ERR_OUT_OF_RANGE for `options.port`. */
function portRangeError(what, received) {
  const error = errors.OutOfRange(`The value of "options.port" is out of range. It must be ${what}. Received ${received}`);
  return error;
}

/** `port` option -> integer 0..65535 (RangeError otherwise), with Bun's env defaults. */
export function resolvePort(port) {
  if (port === undefined || port === null) {
    const e = env();
    port = e.BUN_PORT ?? e.PORT ?? e.NODE_PORT ?? 3000;
  }
  const n = typeof port === "number" ? port : Number(port);
  if (!NumberIsInteger(n)) throw portRangeError("an integer", n);
  if (n < 0 || n > 65535) throw portRangeError(">= 0 and <= 65535", n);
  return n;
}

/**
 * A `hostname` or `unix` option as Bun reads it: null, undefined and the
 * empty string (or an empty Buffer) mean "not given"; a Buffer is its
 * text; anything else is converted with String() (a symbol, or a toString
 * that does not give a string, is a TypeError).
 */
export function stringOption(value, name) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "symbol") {
    throw errors.InvalidArgType(`The "${name}" property must be of type string. Received a symbol`);
  }
  let text;
  if (ArrayBuffer.isView(value)) {
    text = new TextDecoder().decode(value);
  } else if (typeof value === "object" || typeof value === "function") {
    const converted = value.toString();
    if (typeof converted !== "string") {
      throw errors.InvalidArgType(`The "${name}" property must be of type string. Received ${typeof converted}`);
    }
    text = converted;
  } else {
    text = `${value}`;
  }
  return text === "" ? undefined : text;
}

export function resolveIdleTimeout(value) {
  if (value === undefined) return DEFAULT_IDLE_TIMEOUT;
  if (typeof value !== "number" || !NumberIsFinite(value) || value < 0 ||
    value > MAX_IDLE_TIMEOUT) {
    throw new RangeError(
      `Bun.serve: idleTimeout must be a number of seconds from 0 to ${MAX_IDLE_TIMEOUT}`,
    );
  }
  return value;
}

export function resolveMaxBody(value) {
  if (value === undefined || value === null) return DEFAULT_MAX_BODY;
  if (typeof value !== "number" || !NumberIsInteger(value) || value < 0) {
    throw errors.InvalidArgType(`Bun.serve expects maxRequestBodySize to be a non-negative integer, got ${
        typeof value === "string" ? JSON.stringify(value) : String(value)
      }`);
  }
  return value;
}

/** A Response route value, buffered now so Rust can serve it alone. */
function staticTarget(path, response) {
  const source = response[kSource];
  if (response[kType] === "error") {
    throw new TypeError(`Bun.serve: route "${path}" cannot be Response.error()`);
  }
  let body;
  if (source === null) {
    body = new Uint8Array(0);
  } else if (typeof source === "string") {
    body = encoder.encode(source);
  } else if (source instanceof Uint8Array && response[kStream] === undefined) {
    body = source;
  } else if (isBunFile(source) && response[kStream] === undefined) {
    // A file: Rust opens it for each request (a missing one is a 404).
    return { status: response[kStatus], headers: routeHeaders(response), file: fileSource(source) };
  } else {
    return null; // a Blob or stream body: served by a handler that clones it
  }
  return { status: response[kStatus], headers: routeHeaders(response), body };
}

/** A route Response's header pairs, with its implied Content-Type. */
function routeHeaders(response) {
  const headers = [];
  const list = response[kHeaders] === undefined ? [] : headerList(response[kHeaders]);
  for (let i = 0; i < list.length; i++) ArrayPrototypePush(headers, [list[i][0], list[i][1]]);
  if (response[kImpliedType] !== null) ArrayPrototypePush(headers, ["content-type", wireType(response[kImpliedType])]);
  return headers;
}

/** An implied Content-Type as Bun sends it: the standard's spelling is
 * what the script reads, Bun's lowercase utf-8 what goes out. */
export function wireType(implied) {
  if (implied === TEXT_TYPE) return "text/plain;charset=utf-8";
  if (implied === JSON_TYPE) return "application/json;charset=utf-8";
  return implied;
}

/**
 * Compiles a `routes` object to the list Rust builds its router from; JS
 * handlers are appended to `handlers` and referred to by index.
 */
export function compileRoutes(routes, handlers) {
  // Bun ignores an array: a Hono app (`export default app`) carries its own
  // `routes` list, and Bun serves it through `fetch`.
  if (routes === undefined || ArrayIsArray(routes)) return [];
  if (routes === null || typeof routes !== "object") {
    throw errors.InvalidArgType("Bun.serve: routes must be an object");
  }
  const compiled = [];
  const target = (path, value, where) => {
    if (typeof value === "function") {
      ArrayPrototypePush(handlers, value);
      return { handler: handlers.length - 1 };
    }
    if (isBunFile(value)) {
      // `"/favicon.ico": Bun.file("./favicon.ico")`, as Bun takes it.
      return { status: 200, headers: [["content-type", value.type]], file: fileSource(value) };
    }
    if (ObjectPrototypeIsPrototypeOf(Response.prototype, value)) {
      const fixed = staticTarget(path, value);
      if (fixed !== null) return fixed;
      ArrayPrototypePush(handlers, () => value.clone());
      return { handler: handlers.length - 1 };
    }
    throw errors.InvalidArgType(`Bun.serve: unsupported route value for "${path}"${where}: expected a Response, a Bun.file(), a function, a per-method object or false`);
  };
  const paths = ObjectKeys(routes);
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i];
    const value = routes[path];
    if (value === false) continue; // falls through to fetch
    if (value !== null && typeof value === "object" && !isBunFile(value) &&
      !ObjectPrototypeIsPrototypeOf(Response.prototype, value)) {
      const methods = [];
      for (const [method, handler] of ObjectEntries(value)) {
        const upper = StringPrototypeToUpperCase(method);
        if (!ROUTE_METHODS.includes(upper)) {
          throw new TypeError(`Bun.serve: unsupported method "${method}" in route "${path}"`);
        }
        ArrayPrototypePush(methods, [upper, target(path, handler, ` (${upper})`)]);
      }
      ArrayPrototypePush(compiled, { path, methods });
    } else {
      ArrayPrototypePush(compiled, { path, any: target(path, value, "") });
    }
  }
  return compiled;
}

function escapeHtml(text) {
  return `${text}`.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** Bun's development error page: the error and its stack. */
export function errorPage(error) {
  const name = error?.name ?? "Error";
  const message = error?.message ?? `${error}`;
  const stack = error?.stack ?? "";
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(name)}: ${escapeHtml(message)}</title></head>` +
    `<body><h1>${escapeHtml(name)}: ${escapeHtml(message)}</h1><pre>${escapeHtml(stack)}</pre></body></html>`;
  return new Response(html, {
    status: 500,
    headers: { "content-type": "text/html;charset=utf-8" },
  });
}

