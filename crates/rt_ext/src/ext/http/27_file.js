// `Bun.file(path | URL | fd, { type })`: a Blob whose bytes stay on disk
// until they are read. Nothing touches the file when it is made; `size` and
// `lastModified` stat it when asked, and reads run on tokio's blocking pool
// (the `node:fs` ops), so the event loop never waits on the disk.

import {
  op_bun_file_delete,
  op_bun_file_type,
  op_bun_write,
  op_bun_write_sync,
  op_node_fs_read,
  op_node_fs_read_sync,
  op_node_fs_stat,
  op_node_fs_stat_sync,
} from "ext:core/ops";
import { webScript } from "ext:rt_web/00_web.js";
import { errors } from "ext:rt_web/01_errors.js";
import { bufferSourceBytes } from "ext:rt_http/24_body.js";
import { Request } from "ext:rt_http/25_request.js";
import { Response } from "ext:rt_http/26_response.js";

const { Blob } = webScript("09_file");
const { ReadableStream } = webScript("06_streams");
const { TextDecoder, TextEncoder } = webScript("08_text_encoding");
const { URL } = webScript("00_url");

const kPath = Symbol("path");
const kStart = Symbol("start");
const kEnd = Symbol("end");
/** Only `Bun.file()` and `slice()` construct a BunFile. */
const kConstruct = Symbol("construct");

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);
/** A FileSink writes what it holds once it holds this much (Bun's default). */
const SINK_HIGH_WATER = 64 * 1024;
/** Bytes per chunk of `stream()`: the read is whole, the queue is not. */
const STREAM_CHUNK = 64 * 1024;

/** The file's stat, or null when it cannot be stat'ed (missing, no access). */
function statOrNull(path) {
  try {
    return op_node_fs_stat_sync(path, true);
  } catch {
    return null;
  }
}

/** A lazy Blob over a file (Bun's `BunFile`). */
export class BunFile extends Blob {
  constructor(key, path, start, end, type) {
    if (key !== kConstruct) throw new TypeError("Illegal constructor: use Bun.file()");
    super([], { type });
    this[kPath] = path;
    this[kStart] = start;
    // Exclusive end, or Infinity for "to the end of the file as it is then".
    this[kEnd] = end;
  }

  /** The path given to `Bun.file()`. */
  get name() {
    return this[kPath];
  }

  /** Bytes in the file (or this slice of it); 0 when it does not exist. */
  get size() {
    const stat = statOrNull(this[kPath]);
    if (stat === null) return 0;
    const end = Math.min(this[kEnd], stat.size);
    return Math.max(0, end - this[kStart]);
  }

  /** The file's modification time in ms since the epoch (now if it is missing). */
  get lastModified() {
    const stat = statOrNull(this[kPath]);
    return stat === null ? Date.now() : Math.trunc(stat.mtimeMs);
  }

  /** Whether the path names a file that can be stat'ed. */
  async exists() {
    try {
      const stat = await op_node_fs_stat(this[kPath], true);
      return !stat.isDirectory;
    } catch {
      return false;
    }
  }

  /** The bytes, read off the event loop; rejects with Node's ENOENT etc. */
  async bytes() {
    const all = await op_node_fs_read(this[kPath]);
    return range(this, all);
  }

  async arrayBuffer() {
    const bytes = await this.bytes();
    return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
      ? bytes.buffer
      : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }

  async text() {
    return decoder.decode(await this.bytes());
  }

  async json() {
    return JSON.parse(await this.text());
  }

  /** A byte stream of the file, read when first pulled. */
  stream() {
    let bytes = null;
    let offset = 0;
    return new ReadableStream({
      type: "bytes",
      pull: async (controller) => {
        bytes ??= await this.bytes();
        if (offset >= bytes.byteLength) {
          controller.close();
          controller.byobRequest?.respond(0);
          return;
        }
        const end = Math.min(offset + STREAM_CHUNK, bytes.byteLength);
        controller.enqueue(bytes.slice(offset, end));
        offset = end;
      },
    });
  }

  /** Removes the file; rejects with Node's `ENOENT` (syscall `unlink`) if missing. */
  async delete() {
    await op_bun_file_delete(this[kPath]);
  }

  /** `Bun.write(this, data)`. */
  write(data) {
    return write(this, data);
  }

  /** An incremental writer; the file is emptied now. */
  writer(options = undefined) {
    return new FileSink(kConstruct, this[kPath], options?.highWaterMark);
  }

  /**
   * https://w3c.github.io/FileAPI/#dfn-slice, over the file: negative
   * offsets count from the size the file has now.
   */
  slice(start = 0, end = undefined, contentType = undefined) {
    const size = this.size;
    const clamp = (n) => {
      n = Math.trunc(Number(n)) || 0;
      return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
    };
    const from = clamp(start);
    const to = end === undefined ? size : clamp(end);
    const type = contentType === undefined ? this.type : String(contentType);
    return new BunFile(kConstruct, this[kPath], this[kStart] + from, this[kStart] + Math.max(to, from), type);
  }

}
// Bun's BunFile reports itself as a Blob (`Bun.file(p).constructor.name`).
Object.defineProperty(BunFile, "name", { __proto__: null, value: "Blob" });

/** The part of the whole file's bytes that `file` (maybe a slice) covers. */
function range(file, all) {
  const start = file[kStart];
  const end = file[kEnd];
  if (start === 0 && end >= all.byteLength) return all;
  return all.subarray(Math.min(start, all.byteLength), Math.min(end, all.byteLength));
}

/** A BunFile as Rust serves it: `{ path, start, end }` (end -1: to the end). */
export function fileSource(file) {
  const end = file[kEnd];
  return { path: file[kPath], start: file[kStart], end: end === Infinity ? -1 : end };
}

/** Whether `value` is a `Bun.file()`. */
export function isBunFile(value) {
  return value instanceof BunFile;
}

/**
 * A BunFile's text, read now (for options read once at start-up, such as
 * Bun.serve's `tls`); a file that cannot be read is a TypeError naming
 * `where` and the path.
 */
export function bunFileTextSync(file, where) {
  try {
    return decoder.decode(range(file, op_node_fs_read_sync(file[kPath])));
  } catch (error) {
    // Node's message names the path and syscall again: keep "ENOENT: no such file or directory".
    const reason = String(error?.message).replace(/, \w+ '.*'$/s, "");
    throw errors.InvalidArgValue(`${where}: cannot read '${file[kPath]}': ${reason}`);
  }
}

/** `Bun.file(path | URL | fd, { type })`. */
export function file(path, options = undefined) {
  let name;
  if (typeof path === "string") {
    name = path;
  } else if (path instanceof URL) {
    if (path.protocol !== "file:") throw errors.InvalidArgType("Bun.file: URL must be a file: URL");
    name = decodeURIComponent(path.pathname);
  } else if (typeof path === "number") {
    if (!Number.isInteger(path) || path < 0 || path > 0x7fffffff) {
      const error = errors.OutOfRange(`The value of "fd" is out of range. It must be >= 0 && <= 2147483647. Received ${path}`);
      throw error;
    }
    name = `/dev/fd/${path}`;
  } else {
    throw errors.InvalidArgType("Expected file path string or file descriptor");
  }
  const type = typeof options?.type === "string" ? options.type : op_bun_file_type(name);
  return new BunFile(kConstruct, name, 0, Infinity, type);
}

/**
 * Bun's FileSink: `write()` holds chunks, `flush()` writes them to the file
 * at once and returns the byte count, `end()` flushes and closes.
 */
class FileSink {
  #path;
  #chunks = [];
  #held = 0;
  #highWater;
  #ended = false;

  constructor(key, path, highWaterMark) {
    if (key !== kConstruct) throw new TypeError("Illegal constructor: use Bun.file(path).writer()");
    this.#path = path;
    this.#highWater = typeof highWaterMark === "number" && highWaterMark > 0 ? highWaterMark : SINK_HIGH_WATER;
    op_bun_write_sync(path, EMPTY, false);
  }

  /** Holds `chunk` (string or bytes); returns its byte count. */
  write(chunk) {
    if (this.#ended) throw new TypeError("FileSink is closed");
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : bufferSourceBytes(chunk);
    if (bytes === undefined) throw errors.InvalidArgType("FileSink.write expects a string, an ArrayBuffer or a TypedArray");
    this.#chunks.push(bytes.slice());
    this.#held += bytes.byteLength;
    if (this.#held >= this.#highWater) this.flush();
    return bytes.byteLength;
  }

  /** Writes what is held; returns the bytes written. */
  flush() {
    if (this.#held === 0) return 0;
    const all = new Uint8Array(this.#held);
    let at = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, at);
      at += chunk.byteLength;
    }
    this.#chunks = [];
    this.#held = 0;
    return op_bun_write_sync(this.#path, all, true);
  }

  /** Flushes and closes; returns the bytes written by this flush. */
  end() {
    if (this.#ended) return 0;
    const n = this.flush();
    this.#ended = true;
    return n;
  }

  ref() {}
  unref() {}
}

/** `Bun.write`'s destination as a path. */
function destinationPath(dest) {
  if (dest instanceof BunFile) return dest[kPath];
  if (typeof dest === "number") {
    if (!Number.isInteger(dest)) {
      const error = errors.OutOfRange(`The value of "fd" is out of range. It must be an integer. Received ${dest}`);
      throw error;
    }
  }
  if (typeof dest === "string" || typeof dest === "number" || dest instanceof URL) return file(dest)[kPath];
  throw errors.InvalidArgType("Bun.write(pathOrFdOrBlob, blob) expects a path, a file descriptor, a URL or a BunFile");
}

/** `Bun.write`'s data as bytes. */
async function dataBytes(data) {
  if (typeof data === "string") return encoder.encode(data);
  if (typeof data === "number" || typeof data === "bigint" || typeof data === "boolean") {
    return encoder.encode(String(data));
  }
  const bytes = bufferSourceBytes(data);
  if (bytes !== undefined) return bytes;
  if (data instanceof Blob) return await data.bytes();
  if (data instanceof Response || data instanceof Request) {
    return new Uint8Array(await data.arrayBuffer());
  }
  throw errors.InvalidArgType("Bun.write(pathOrFdOrBlob, blob) expects a Blob-y thing to write");
}

/**
 * `Bun.write(dest, data)`: writes (replacing) and resolves to the byte
 * count; missing parent directories are created, as in Bun.
 */
// Bun.stdin, Bun.stdout, Bun.stderr: BunFiles of the standard descriptors,
// made on first read (`Make::MadeOnFirstUse`).
export const stdin = () => file(0);
export const stdout = () => file(1);
export const stderr = () => file(2);

export async function write(dest, data) {
  const path = destinationPath(dest);
  const bytes = await dataBytes(data);
  return await op_bun_write(path, bytes);
}
