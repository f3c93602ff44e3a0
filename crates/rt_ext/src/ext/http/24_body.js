// The Body mixin shared by Request and Response
// (https://fetch.spec.whatwg.org/#body-mixin).
//
// A body is kept in the cheapest form it arrived in (a string, bytes, a
// Blob, a request body still in Rust) and only becomes a ReadableStream if
// the script asks for `.body`. Reading text() of a string body never builds
// a stream or a buffer.

import { primordials } from "ext:core/mod.js";
import {
  op_fetch_abort,
  op_fetch_read,
  op_fetch_read_all,
  op_fetch_read_text,
  op_fetch_text_now,
  op_request_body_all,
  op_request_body_chunk,
  op_request_has_body,
} from "ext:core/ops";
import { webScript } from "ext:rt_web/00_web.js";
import { extractMimeType } from "ext:rt_web/07_mime.js";
import { FormData, parseFormData, serializeFormData } from "ext:rt_http/23_formdata.js";

const {
  ArrayBufferIsView,
  ArrayBufferPrototypeSlice,
  JSONParse,
  PromisePrototypeThen,
  PromiseReject,
  PromiseResolve,
  ObjectPrototypeIsPrototypeOf,
  Symbol,
  SymbolAsyncIterator,
  TypeError,
  TypedArrayPrototypeGetBuffer,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetByteOffset,
  TypedArrayPrototypeSlice,
  Uint8Array,
} = primordials;

const {
  ReadableStream,
  TransformStream,
  isReadableStreamDisturbed,
  readableStreamDisturb,
  readableStreamTee,
} = webScript("06_streams");
const { Blob } = webScript("09_file");
const { URLSearchParams } = webScript("00_url");

/** A fetch response body still in Rust, read chunk by chunk. */
export class FetchBody {
  constructor(id, signal, onAbort, received = false) {
    this.id = id;
    this.signal = signal;
    this.onAbort = onAbort;
    /** The whole body is already in Rust (op_fetch_text_now can take it). */
    this.received = received;
  }

  /** The next chunk or null; an abort rejects with the signal's reason. */
  async read() {
    try {
      const chunk = await op_fetch_read(this.id);
      if (chunk === null) this.done();
      return chunk;
    } catch (error) {
      this.done();
      if (this.signal?.aborted) throw this.signal.reason;
      throw error;
    }
  }

  /** The rest of the body in one piece (one op however many chunks). */
  async readAll() {
    try {
      return await op_fetch_read_all(this.id);
    } catch (error) {
      if (this.signal?.aborted) throw this.signal.reason;
      throw error;
    } finally {
      this.done();
    }
  }

  /** The rest of the body as text, decoded in Rust. */
  readText() {
    if (this.received) {
      const text = op_fetch_text_now(this.id);
      if (text !== null) return PromiseResolve(text);
    }
    // Without a signal there is nothing to translate: hand out the op's
    // promise itself.
    if (this.signal === undefined) return op_fetch_read_text(this.id);
    return this.readTextWatched();
  }

  async readTextWatched() {
    try {
      return await op_fetch_read_text(this.id);
    } catch (error) {
      if (this.signal?.aborted) throw this.signal.reason;
      throw error;
    } finally {
      this.done();
    }
  }

  /** Stops listening for aborts (the body is finished). */
  done() {
    this.signal?.removeEventListener("abort", this.onAbort);
  }

  /** Closes the connection instead of draining it. */
  cancel() {
    this.done();
    op_fetch_abort(this.id);
  }
}

/** The body's source: null | string | Uint8Array | Blob | ReadableStream | ServerBody. */
export const kSource = Symbol("body source");
/** The ReadableStream handed out by `.body`, once made. */
export const kStream = Symbol("body stream");
/** Set once a consuming method ran. */
export const kUsed = Symbol("body used");

/** A request body still in Rust (a server request). */
export class ServerBody {
  constructor(id) {
    this.id = id;
  }
}

const { TextDecoder: TextDecoderImpl, TextEncoder: TextEncoderImpl } = webScript("08_text_encoding");
const encoder = new TextEncoderImpl();
const decoder = new TextDecoderImpl();

function copyBytes(view) {
  if (ArrayBufferIsView(view)) {
    const offset = view.byteOffset;
    return new Uint8Array(
      ArrayBufferPrototypeSlice(view.buffer, offset, offset + view.byteLength),
    );
  }
  return new Uint8Array(ArrayBufferPrototypeSlice(view, 0));
}

/** The type a string body implies (the Fetch standard's spelling; a
 * server sends Bun's lowercase `utf-8` when the script never read it). */
export const TEXT_TYPE = "text/plain;charset=UTF-8";

/**
 * https://fetch.spec.whatwg.org/#concept-bodyinit-extract
 * Returns `[source, contentType | null]`.
 */
export function extractBody(init) {
  if (typeof init === "string") return [init, TEXT_TYPE];
  if (init === null || init === undefined) return [null, null];
  if (ArrayBufferIsView(init) || init instanceof ArrayBuffer) {
    return [copyBytes(init), null];
  }
  if (typeof SharedArrayBuffer !== "undefined" && init instanceof SharedArrayBuffer) {
    return [copyBytes(init), null];
  }
  if (ObjectPrototypeIsPrototypeOf(Blob.prototype, init)) {
    return [init, init.type === "" ? null : init.type];
  }
  if (ObjectPrototypeIsPrototypeOf(URLSearchParams.prototype, init)) {
    return [`${init}`, "application/x-www-form-urlencoded;charset=UTF-8"];
  }
  if (ObjectPrototypeIsPrototypeOf(FormData.prototype, init)) {
    const [bytes, type] = serializeFormData(init);
    return [bytes, type];
  }
  if (ObjectPrototypeIsPrototypeOf(ReadableStream.prototype, init)) {
    if (init.locked || isReadableStreamDisturbed(init)) {
      throw new TypeError("ReadableStream is locked or disturbed");
    }
    return [init, null];
  }
  if (typeof init[SymbolAsyncIterator] === "function") {
    // Bun accepts async iterables (e.g. async generators) as bodies.
    return [ReadableStream.from(init), null];
  }
  return [`${init}`, TEXT_TYPE];
}

function chunkToBytes(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBufferIsView(chunk)) {
    return new Uint8Array(
      TypedArrayPrototypeGetBuffer(chunk),
      TypedArrayPrototypeGetByteOffset(chunk),
      TypedArrayPrototypeGetByteLength(chunk),
    );
  }
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (typeof chunk === "string") return encoder.encode(chunk);
  throw new TypeError("Body stream chunks must be Uint8Array");
}

async function readStreamBytes(stream) {
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const bytes = chunkToBytes(value);
    chunks.push(bytes);
    total += bytes.byteLength;
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let offset = 0;
  for (let i = 0; i < chunks.length; i++) {
    out.set(chunks[i], offset);
    offset += chunks[i].byteLength;
  }
  return out;
}

/** On a server request's body stream: the request id it reads. */
export const kServerBody = Symbol("server body");

/** A stream of the server request body, pulled from Rust chunk by chunk. */
function serverBodyStream(id) {
  const stream = new ReadableStream({
    type: "bytes",
    async pull(controller) {
      const chunk = await op_request_body_chunk(id);
      if (chunk === null) {
        controller.close();
        controller.byobRequest?.respond(0);
      } else {
        controller.enqueue(chunk);
      }
    },
  });
  // Sent back unread (`new Response(req.body)`), Rust pipes it instead.
  stream[kServerBody] = id;
  return stream;
}

/** Makes (once) and returns the body as a ReadableStream, or null. */
export function bodyStream(owner) {
  if (owner[kStream] !== undefined) return owner[kStream];
  const source = owner[kSource];
  let stream;
  if (source === null) {
    stream = null;
  } else if (ObjectPrototypeIsPrototypeOf(ReadableStream.prototype, source)) {
    stream = source;
  } else if (source === MOVED || owner[kUsed] === true) {
    // Consumed (or taken over) without a stream: the stream it would have
    // been read through is disturbed (and, if consumed, locked), so it
    // cannot be read again.
    stream = new ReadableStream({ start: (controller) => controller.close() });
    readableStreamDisturb(stream);
    if (source !== MOVED) stream.getReader();
  } else if (source instanceof ServerBody) {
    stream = op_request_has_body(source.id) ? serverBodyStream(source.id) : null;
  } else if (source instanceof FetchBody) {
    stream = new ReadableStream({
      type: "bytes",
      async pull(controller) {
        const chunk = await source.read();
        if (chunk === null) {
          controller.close();
          controller.byobRequest?.respond(0);
        } else {
          controller.enqueue(chunk);
        }
      },
      cancel() {
        source.cancel();
      },
    });
  } else if (ObjectPrototypeIsPrototypeOf(Blob.prototype, source)) {
    stream = source.stream();
  } else {
    const bytes = typeof source === "string" ? encoder.encode(source) : source;
    stream = new ReadableStream({
      type: "bytes",
      start(controller) {
        if (bytes.byteLength > 0) controller.enqueue(TypedArrayPrototypeSlice(bytes));
        controller.close();
      },
    });
  }
  owner[kStream] = stream;
  return stream;
}

/** https://fetch.spec.whatwg.org/#dom-body-bodyused */
export function isBodyUsed(owner) {
  if (owner[kUsed]) return true;
  const stream = currentStream(owner);
  return stream !== null && isReadableStreamDisturbed(stream);
}

/** The body's stream as it stands, without making one: the one handed out
 * by `.body`, or a stream given as the body (read directly or not); null
 * for any other body. */
function currentStream(owner) {
  const stream = owner[kStream];
  if (stream !== undefined) return stream;
  const source = owner[kSource];
  return ObjectPrototypeIsPrototypeOf(ReadableStream.prototype, source) ? source : null;
}

/** https://fetch.spec.whatwg.org/#concept-body-consume-body (steps 1-2): a
 * used or locked body rejects; a null body is never used up. */
function markUsed(owner) {
  if (isBodyUsed(owner)) {
    throw new TypeError("Body already used");
  }
  const stream = currentStream(owner);
  if (stream !== null && stream.locked) {
    throw new TypeError("Body is locked");
  }
  if (owner[kSource] !== null || stream !== null) owner[kUsed] = true;
}

/** Consumes the body as bytes. */
async function consumeBytes(owner) {
  markUsed(owner);
  const stream = owner[kStream];
  if (stream !== undefined && stream !== null) return await readStreamBytes(stream);
  const source = owner[kSource];
  if (source === null) return new Uint8Array(0);
  if (typeof source === "string") return encoder.encode(source);
  if (source instanceof Uint8Array) return source;
  if (source instanceof ServerBody) return await op_request_body_all(source.id);
  if (source instanceof FetchBody) return await source.readAll();
  if (ObjectPrototypeIsPrototypeOf(Blob.prototype, source)) {
    return new Uint8Array(await source.arrayBuffer());
  }
  return await readStreamBytes(source);
}

/** Consumes the body as a string. */
async function consumeText(owner) {
  const source = owner[kSource];
  if (typeof source === "string" && owner[kStream] === undefined) {
    markUsed(owner);
    return source;
  }
  if (source instanceof FetchBody && owner[kStream] === undefined) {
    markUsed(owner);
    return await source.readText();
  }
  return decoder.decode(await consumeBytes(owner));
}

/** The body's Content-Type as given (formData parses it itself). */
function mimeType(owner) {
  return owner.headers.get("content-type") ?? "";
}

/** Installs text/json/arrayBuffer/bytes/blob/formData, body and bodyUsed on a class. */
export function mixinBody(prototype) {
  Object.defineProperties(prototype, {
    body: {
      __proto__: null,
      get() {
        return bodyStream(this);
      },
      enumerable: true,
      configurable: true,
    },
    bodyUsed: {
      __proto__: null,
      get() {
        return isBodyUsed(this);
      },
      enumerable: true,
      configurable: true,
    },
  });
  // A body whose fetch was aborted rejects at once (before any other
  // microtask runs), with the abort reason, however often it is read: each
  // method checks first, before any async frame is entered.
  const methods = {
    text() {
      const source = this[kSource];
      // https://fetch.spec.whatwg.org/#concept-body-consume-body: a null body
      // reads as empty and is never used up.
      if (source === null && this[kStream] === undefined) return PromiseResolve("");
      const aborted = abortedBody(this);
      if (aborted !== undefined) return aborted;
      // A fetched body read whole: straight to the op, no async frames.
      if (source instanceof FetchBody && this[kStream] === undefined && this[kUsed] !== true) {
        this[kUsed] = true;
        return source.readText();
      }
      return consumeText(this);
    },
    json() {
      const aborted = abortedBody(this);
      if (aborted !== undefined) return aborted;
      const source = this[kSource];
      if (source instanceof FetchBody && this[kStream] === undefined && this[kUsed] !== true) {
        this[kUsed] = true;
        return PromisePrototypeThen(source.readText(), JSONParse);
      }
      return PromisePrototypeThen(consumeText(this), JSONParse);
    },
    arrayBuffer() {
      return abortedBody(this) ?? consumeArrayBuffer(this);
    },
    bytes() {
      return abortedBody(this) ?? consumeUint8Array(this);
    },
    blob() {
      return abortedBody(this) ?? consumeBlob(this);
    },
    formData() {
      return abortedBody(this) ?? consumeFormData(this);
    },
  };
  for (const name in methods) {
    Object.defineProperty(prototype, name, {
      __proto__: null,
      value: methods[name],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
}

/** A promise rejected with the abort reason of a body whose fetch was
 * aborted; undefined otherwise. */
function abortedBody(owner) {
  const source = owner[kSource];
  if (source instanceof FetchBody && source.signal?.aborted) return PromiseReject(source.signal.reason);
  return undefined;
}

async function consumeArrayBuffer(owner) {
  const bytes = await consumeBytes(owner);
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return bytes.buffer;
  }
  return ArrayBufferPrototypeSlice(
    bytes.buffer,
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  );
}

async function consumeUint8Array(owner) {
  const bytes = await consumeBytes(owner);
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : TypedArrayPrototypeSlice(bytes);
}

async function consumeBlob(owner) {
  // https://fetch.spec.whatwg.org/#concept-body-mime-type
  const type = extractMimeType(owner.headers.get("content-type"));
  return new Blob([await consumeBytes(owner)], { type });
}

async function consumeFormData(owner) {
  const type = mimeType(owner);
  return parseFormData(await consumeBytes(owner), type);
}

/** https://fetch.spec.whatwg.org/#body-unusable */
export function isUnusable(owner) {
  if (owner[kSource] === null) return false;
  const stream = currentStream(owner);
  return isBodyUsed(owner) || (stream !== null && stream.locked);
}

/** Marks a body disturbed without reading it (`new Request(input, { body })`
 * still uses up the input's). */
export function disturbBody(owner) {
  owner[kUsed] = true;
  const stream = owner[kStream];
  if (stream !== undefined && stream !== null) readableStreamDisturb(stream);
}

/** https://fetch.spec.whatwg.org/#dom-request (step 45): `to` takes the
 * body of `from`, which is left used. A body that is (or was handed out
 * as) a stream is proxied through an identity transform, so `from.body`
 * stays the stream it was, disturbed; any other source simply moves. */
export function takeBody(from, to) {
  const source = from[kSource];
  if (from[kStream] !== undefined || ObjectPrototypeIsPrototypeOf(ReadableStream.prototype, source)) {
    const stream = bodyStream(from).pipeThrough(new TransformStream());
    to[kSource] = stream;
    to[kStream] = stream;
    from[kUsed] = true;
    return;
  }
  to[kSource] = source;
  from[kSource] = MOVED;
  from[kUsed] = true;
}

/** The source of a body another request took over: its `.body` is an
 * empty, disturbed stream. */
const MOVED = { __proto__: null };

/** Tees the body for clone(): the original keeps one branch. */
export function cloneBody(from, to) {
  if (isBodyUsed(from)) throw new TypeError("Body already used");
  const source = from[kSource];
  if (source === null || typeof source === "string" || source instanceof Uint8Array ||
    ObjectPrototypeIsPrototypeOf(Blob.prototype, source)) {
    // Bytes are copied so that one clone's bytes() result cannot alter the other.
    to[kSource] = source instanceof Uint8Array ? TypedArrayPrototypeSlice(source) : source;
    if (from[kStream] === undefined) return;
  }
  // https://fetch.spec.whatwg.org/#concept-body-clone: the second branch
  // gets structured clones of the chunks, so neither side sees the other's
  // changes to a chunk.
  const [a, b] = readableStreamTee(bodyStream(from), true);
  from[kStream] = a;
  from[kSource] = a;
  to[kSource] = b;
  to[kStream] = b;
}

/**
 * A BufferSource's bytes as a Uint8Array view (no copy); undefined for
 * anything else, so callers throw their own error.
 */
export function bufferSourceBytes(data) {
  if (data instanceof Uint8Array) return data;
  if (ArrayBufferIsView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof SharedArrayBuffer !== "undefined" && data instanceof SharedArrayBuffer) {
    return new Uint8Array(data);
  }
  return undefined;
}

export { chunkToBytes };
