// Bun's small utilities: escapeHTML, deepEquals, peek, sleepSync,
// randomUUIDv7, which, the one-shot compression helpers, the
// readableStreamTo* collectors, concatArrayBuffers, ArrayBufferSink and the
// file URL helpers. Loaded on first use of any of them.

import { core } from "ext:core/mod.js";
import {
  op_bun_escape_html,
  op_bun_sleep_sync,
  op_bun_which,
  op_bun_zlib,
  op_bun_zlib_async,
  op_rt_random_fill,
} from "ext:core/ops";
import { errors } from "ext:rt_web/01_errors.js";

// Modules these helpers lean on, loaded when first asked for.
const equalsModule = core.createLazyLoader("ext:rt_bun/equals.js");

// ---- escapeHTML ----------------------------------------------------------

/** `Bun.escapeHTML(value)`: & < > " ' escaped; other values by their string. */
function escapeHTML(value) {
  if (value === undefined) return "";
  const text = typeof value === "string" ? value : String(value);
  // The op answers null when there is nothing to escape.
  return op_bun_escape_html(text) ?? text;
}

// ---- deepEquals and peek --------------------------------------------------

/** `Bun.deepMatch(subset, value)`: whether `value` has everything `subset`
 * has, by toMatchObject's rule; both must be objects. */
function deepMatch(subset, value) {
  if (arguments.length < 2) throw new TypeError("Expected 2 values to compare");
  if (typeof subset !== "object" || subset === null || typeof value !== "object" || value === null) {
    throw new TypeError("Expected 2 objects to match");
  }
  return equalsModule().matchesObject(value, subset);
}

/** `Bun.deepEquals(a, b, strict)`: toEqual's equality, toStrictEqual's when strict. */
function deepEquals(a, b, strict = false) {
  return equalsModule().equals(a, b, !!strict);
}

const PENDING = 0;
const FULFILLED = 1;

/** `Bun.peek(promise)`: its value or reason when settled, else the promise. */
function peek(value) {
  if (!(value instanceof Promise)) return value;
  const [state, result] = core.getPromiseDetails(value);
  return state === PENDING ? value : result;
}
peek.status = function status(value) {
  if (!(value instanceof Promise)) return "fulfilled";
  const [state] = core.getPromiseDetails(value);
  return state === PENDING ? "pending" : state === FULFILLED ? "fulfilled" : "rejected";
};

// ---- sleepSync, randomUUIDv7, which --------------------------------------

/** `Bun.sleepSync(ms)`: blocks the thread. */
function sleepSync(ms) {
  if (typeof ms !== "number" || Number.isNaN(ms) || ms < 0) {
    throw errors.InvalidArgType("argument to sleepSync must be a non-negative number");
  }
  op_bun_sleep_sync(ms);
}

let lastMs = -1;
let counter = 0;

/**
 * `Bun.randomUUIDv7(encoding?, timestamp?)`: 48 bits of milliseconds, the
 * version, 12 bits that count up within a millisecond (so IDs from one
 * process sort by creation), the variant and 62 random bits.
 */
function randomUUIDv7(encoding = "hex", timestamp = undefined) {
  if (typeof encoding === "number" || encoding instanceof Date) {
    [encoding, timestamp] = ["hex", encoding];
  }
  let ms = timestamp === undefined ? Date.now() : +timestamp;
  if (!Number.isFinite(ms) || ms < 0) throw errors.InvalidArgType("timestamp must be a non-negative number");
  ms = Math.floor(ms);
  const bytes = new Uint8Array(16);
  op_rt_random_fill(bytes);
  if (ms === lastMs) {
    counter = (counter + 1) & 0xfff;
  } else {
    lastMs = ms;
    counter = ((bytes[6] << 8) | bytes[7]) & 0x7ff;
  }
  // 48-bit big-endian milliseconds (a double holds them exactly).
  const high = Math.floor(ms / 2 ** 16);
  bytes[0] = (high >>> 24) & 0xff;
  bytes[1] = (high >>> 16) & 0xff;
  bytes[2] = (high >>> 8) & 0xff;
  bytes[3] = high & 0xff;
  bytes[4] = (ms >>> 8) & 0xff;
  bytes[5] = ms & 0xff;
  bytes[6] = 0x70 | (counter >>> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  switch (encoding) {
    case "buffer":
      return globalThis.Buffer.from(bytes.buffer);
    case "base64":
    case "base64url":
      return globalThis.Buffer.from(bytes.buffer).toString(encoding);
    case "hex": {
      let hex = "";
      for (let i = 0; i < 16; i++) {
        hex += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
        if (i === 3 || i === 5 || i === 7 || i === 9) hex += "-";
      }
      return hex;
    }
    default:
      throw errors.InvalidArgValue(`Unknown encoding: ${encoding}`);
  }
}

/** `Bun.which(command, { PATH, cwd })`: an executable's path or null. */
function which(command, options = undefined) {
  if (typeof command !== "string") throw errors.InvalidArgType("bin must be a string");
  const path = options?.PATH ?? options?.path ?? "";
  const cwd = options?.cwd ?? "";
  return op_bun_which(command, String(path), String(cwd)) ?? null;
}

// ---- compression ------------------------------------------------------------

const GZIP = 0;
const GUNZIP = 1;
const DEFLATE = 2;
const INFLATE = 3;
const ZSTD = 4;
const UNZSTD = 5;

/** A view or buffer as a Uint8Array over the same bytes, or null. */
function viewOf(data) {
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) return new Uint8Array(data);
  return null;
}

function inputBytes(data, where) {
  if (typeof data === "string") return new TextEncoder().encode(data);
  const view = viewOf(data);
  if (view === null) throw errors.InvalidArgType(`${where} expects a string, TypedArray or ArrayBuffer`);
  return view;
}

function levelOf(options, min, max) {
  const level = options?.level;
  if (level === undefined) return -1;
  if (!Number.isInteger(level) || level < min || level > max) {
    throw errors.OutOfRange(`level must be an integer between ${min} and ${max}`);
  }
  return level;
}

const zlibSync = (format, where, min = -1, max = 9) => (data, options = undefined) =>
  new Uint8Array(op_bun_zlib(format, inputBytes(data, where), levelOf(options, min, max)));
const asBuffer = (bytes) => globalThis.Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const gzipSync = zlibSync(GZIP, "gzipSync");
const gunzipSync = zlibSync(GUNZIP, "gunzipSync");
const deflateSync = zlibSync(DEFLATE, "deflateSync");
const inflateSync = zlibSync(INFLATE, "inflateSync");
const zstdCompressSync = (data, options = undefined) =>
  asBuffer(zlibSync(ZSTD, "zstdCompressSync", 1, 22)(data, options));
const zstdDecompressSync = (data) => asBuffer(zlibSync(UNZSTD, "zstdDecompressSync")(data));
async function zstdCompress(data, options = undefined) {
  const bytes = inputBytes(data, "zstdCompress").slice();
  return asBuffer(new Uint8Array(await op_bun_zlib_async(ZSTD, bytes, levelOf(options, 1, 22))));
}
async function zstdDecompress(data) {
  const bytes = inputBytes(data, "zstdDecompress").slice();
  return asBuffer(new Uint8Array(await op_bun_zlib_async(UNZSTD, bytes, -1)));
}

// ---- streams and buffers -----------------------------------------------------

/** Every chunk of a ReadableStream, as read. */
async function readableStreamToArray(stream) {
  if (!(stream instanceof ReadableStream)) throw errors.InvalidArgType("Expected ReadableStream");
  const reader = stream.getReader();
  const chunks = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return chunks;
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
}

/** Chunks (strings as UTF-8, views, buffers) as one Uint8Array. */
function joinChunks(chunks) {
  const parts = chunks.map((c) => inputBytes(c, "ReadableStream chunk"));
  let length = 0;
  for (const p of parts) length += p.byteLength;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

const readableStreamToBytes = async (stream) => joinChunks(await readableStreamToArray(stream));
const readableStreamToArrayBuffer = async (stream) => (await readableStreamToBytes(stream)).buffer;
const readableStreamToText = async (stream) => new TextDecoder().decode(await readableStreamToBytes(stream));
const readableStreamToJSON = async (stream) => JSON.parse(await readableStreamToText(stream));
const readableStreamToBlob = async (stream) => new Blob([await readableStreamToBytes(stream)]);
/** Parses multipart (with the boundary given) or URL-encoded form data. */
function readableStreamToFormData(stream, boundary = undefined) {
  const type = boundary === undefined
    ? "application/x-www-form-urlencoded"
    : `multipart/form-data; boundary=${ArrayBuffer.isView(boundary) ? new TextDecoder().decode(boundary) : boundary}`;
  return new Response(stream, { headers: { "content-type": type } }).formData();
}

/** `Bun.concatArrayBuffers(buffers, maxLength, asUint8Array)`. */
function concatArrayBuffers(buffers, maxLength = Infinity, asUint8Array = false) {
  if (!Array.isArray(buffers)) throw errors.InvalidArgType("Expected an array of ArrayBuffers or TypedArrays");
  const parts = buffers.map((b) => {
    const view = viewOf(b);
    if (view === null) throw errors.InvalidArgType("Expected an array of ArrayBuffers or TypedArrays");
    return view;
  });
  let length = 0;
  for (const p of parts) length += p.byteLength;
  if (typeof maxLength === "number" && maxLength >= 0) length = Math.min(length, maxLength);
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    if (at >= length) break;
    const take = p.subarray(0, length - at);
    out.set(take, at);
    at += take.byteLength;
  }
  return asUint8Array ? out : out.buffer;
}

const kChunks = Symbol("chunks");
const kOptions = Symbol("options");

/** `new Bun.ArrayBufferSink()`: an incremental byte builder. */
class ArrayBufferSink {
  constructor() {
    this[kChunks] = [];
    this[kOptions] = { asUint8Array: false, stream: false };
  }

  start(options = undefined) {
    this[kChunks] = [];
    this[kOptions] = { asUint8Array: !!options?.asUint8Array, stream: !!options?.stream };
  }

  /** Appends a string (UTF-8) or bytes; returns the byte count. */
  write(chunk) {
    const bytes = inputBytes(chunk, "ArrayBufferSink.write").slice();
    this[kChunks].push(bytes);
    return bytes.byteLength;
  }

  /** In stream mode, the bytes since the last flush; otherwise the count buffered. */
  flush() {
    if (!this[kOptions].stream) {
      return this[kChunks].reduce((n, c) => n + c.byteLength, 0);
    }
    return this.#take();
  }

  /** Everything written (since the last flush in stream mode). */
  end() {
    return this.#take();
  }

  #take() {
    const bytes = joinChunks(this[kChunks]);
    this[kChunks] = [];
    return this[kOptions].asUint8Array ? bytes : bytes.buffer;
  }
}

// ---- file URLs -----------------------------------------------------------

const nodeUrl = core.createLazyLoader("node:url");
const fileURLToPath = (url) => nodeUrl().fileURLToPath(url);
const pathToFileURL = (path) => nodeUrl().pathToFileURL(path);

export {
  escapeHTML,
  deepEquals,
  deepMatch,
  peek,
  sleepSync,
  randomUUIDv7,
  which,
  gzipSync,
  gunzipSync,
  deflateSync,
  inflateSync,
  zstdCompressSync,
  zstdDecompressSync,
  zstdCompress,
  zstdDecompress,
  readableStreamToArray,
  readableStreamToBytes,
  readableStreamToArrayBuffer,
  readableStreamToText,
  readableStreamToJSON,
  readableStreamToBlob,
  readableStreamToFormData,
  concatArrayBuffers,
  ArrayBufferSink,
  fileURLToPath,
  pathToFileURL,
};
