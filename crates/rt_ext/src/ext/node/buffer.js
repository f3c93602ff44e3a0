// node:buffer: `Buffer`, a Uint8Array subclass (as in Node: `Buffer` is a
// callable function whose prototype is a Uint8Array subclass's), with the
// encodings server packages use: utf8, hex, base64, base64url, latin1
// (binary), ascii and utf16le (ucs2).

import { core } from "ext:core/mod.js";
import { errors, invalidArgType as invalidArg } from "ext:rt_web/01_errors.js";

const infra = core.loadExtScript("ext:deno_web/00_infra.js");

const ENCODINGS = {
  __proto__: null,
  utf8: "utf8",
  "utf-8": "utf8",
  hex: "hex",
  base64: "base64",
  base64url: "base64url",
  latin1: "latin1",
  binary: "latin1",
  ascii: "ascii",
  utf16le: "utf16le",
  "utf-16le": "utf16le",
  ucs2: "utf16le",
  "ucs-2": "utf16le",
};

function normalizeEncoding(encoding) {
  if (encoding === undefined || encoding === null) return "utf8";
  const found = ENCODINGS[String(encoding).toLowerCase()];
  if (!found) {
    const err = errors.UnknownEncoding(`Unknown encoding: ${encoding}`);
    throw err;
  }
  return found;
}

let encoder;
let decoder;

class FastBuffer extends Uint8Array {}

/** Bytes of a string in an encoding, as a FastBuffer. */
function fromString(string, encoding) {
  switch (normalizeEncoding(encoding)) {
    case "utf8": {
      encoder ??= new TextEncoder();
      const bytes = encoder.encode(string);
      return new FastBuffer(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    case "hex": {
      const length = string.length >>> 1;
      const out = new FastBuffer(length);
      let i = 0;
      for (; i < length; i++) {
        const byte = Number.parseInt(string.substr(i * 2, 2), 16);
        if (Number.isNaN(byte)) break;
        out[i] = byte;
      }
      return i === length ? out : out.subarray(0, i);
    }
    case "base64":
    case "base64url": {
      // Node accepts both alphabets, missing padding and stray whitespace.
      let s = string.replace(/[\s=]+/g, "").replace(/-/g, "+").replace(/_/g, "/");
      s = s.replace(/[^A-Za-z0-9+/]/g, "");
      if (s.length % 4 === 1) s = s.slice(0, -1);
      while (s.length % 4) s += "=";
      const bytes = infra.forgivingBase64Decode(s);
      return new FastBuffer(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    case "latin1":
    case "ascii": {
      const out = new FastBuffer(string.length);
      for (let i = 0; i < string.length; i++) out[i] = string.charCodeAt(i) & 0xff;
      return out;
    }
    case "utf16le": {
      const out = new FastBuffer(string.length * 2);
      for (let i = 0; i < string.length; i++) {
        const unit = string.charCodeAt(i);
        out[i * 2] = unit & 0xff;
        out[i * 2 + 1] = unit >>> 8;
      }
      return out;
    }
  }
}

/** A string from bytes in an encoding. */
function toString(bytes, encoding) {
  switch (normalizeEncoding(encoding)) {
    case "utf8":
      decoder ??= new TextDecoder();
      return decoder.decode(bytes);
    case "hex": {
      let out = "";
      for (let i = 0; i < bytes.length; i++) {
        out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
      }
      return out;
    }
    case "base64":
      return infra.forgivingBase64Encode(bytes);
    case "base64url":
      return infra.forgivingBase64Encode(bytes)
        .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    case "latin1": {
      let out = "";
      for (let i = 0; i < bytes.length; i += 0x2000) {
        out += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x2000));
      }
      return out;
    }
    case "ascii": {
      let out = "";
      for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i] & 0x7f);
      return out;
    }
    case "utf16le": {
      let out = "";
      for (let i = 0; i + 1 < bytes.length; i += 2) {
        out += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
      }
      return out;
    }
  }
}

/** Node's `Buffer(arg)` (deprecated, still used): alloc or from. */
function Buffer(arg, encodingOrOffset, length) {
  return typeof arg === "number"
    ? Buffer.alloc(arg)
    : Buffer.from(arg, encodingOrOffset, length);
}
Buffer.prototype = FastBuffer.prototype;
Object.defineProperty(FastBuffer.prototype, "constructor", {
  __proto__: null,
  value: Buffer,
  writable: true,
  configurable: true,
});
Object.setPrototypeOf(Buffer, Uint8Array);
// Typed array methods that make new arrays (subarray, map, ...) make Buffers.
Object.defineProperty(Buffer, Symbol.species, {
  __proto__: null,
  get: () => FastBuffer,
  configurable: true,
});

Buffer.poolSize = 8192;

Buffer.from = function from(value, encodingOrOffset, length) {
  if (typeof value === "string") return fromString(value, encodingOrOffset);
  if (value instanceof ArrayBuffer || value instanceof SharedArrayBuffer) {
    const offset = encodingOrOffset === undefined ? 0 : Number(encodingOrOffset);
    const len = length === undefined ? value.byteLength - offset : Number(length);
    if (offset > value.byteLength || offset + len > value.byteLength) {
      const err = errors.BufferOutOfBounds('"offset" is outside of buffer bounds');
      throw err;
    }
    return new FastBuffer(value, offset, len);
  }
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return new FastBuffer(bytes);
  }
  if (value !== null && typeof value === "object") {
    if (value.type === "Buffer" && Array.isArray(value.data)) {
      return new FastBuffer(value.data);
    }
    if (typeof value.valueOf === "function") {
      const primitive = value.valueOf();
      if (primitive !== value && primitive != null) {
        return Buffer.from(primitive, encodingOrOffset, length);
      }
    }
    if (typeof value.length === "number" || Array.isArray(value)) {
      return new FastBuffer(Array.from(value, (v) => Number(v) & 0xff));
    }
    if (typeof value[Symbol.toPrimitive] === "function") {
      return Buffer.from(value[Symbol.toPrimitive]("string"), encodingOrOffset);
    }
  }
  throw invalidArg(
    "first",
    "of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object",
    value,
  );
};

function checkSize(size) {
  if (typeof size !== "number") throw invalidArg("size", "of type number", size);
  if (!(size >= 0 && size <= 2 ** 32)) {
    const err = errors.OutOfRange(`The value of "size" is out of range. It must be >= 0 && <= ${2 ** 32}. Received ${size}`);
    throw err;
  }
}

Buffer.alloc = function alloc(size, fill, encoding) {
  checkSize(size);
  const buf = new FastBuffer(size);
  if (fill !== undefined && fill !== 0 && size > 0) buf.fill(fill, encoding);
  return buf;
};
Buffer.allocUnsafe = function allocUnsafe(size) {
  checkSize(size);
  return new FastBuffer(size);
};
Buffer.allocUnsafeSlow = Buffer.allocUnsafe;

Buffer.isBuffer = (value) => value instanceof Buffer;
Buffer.isEncoding = (encoding) =>
  typeof encoding === "string" && encoding.toLowerCase() in ENCODINGS;

Buffer.byteLength = function byteLength(value, encoding) {
  if (typeof value !== "string") {
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      return value.byteLength;
    }
    throw invalidArg("string", "of type string or an instance of Buffer or ArrayBuffer", value);
  }
  const enc = normalizeEncoding(encoding);
  if (enc === "utf8") {
    let n = 0;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length &&
        (value.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }
  return fromString(value, enc).length;
};

Buffer.concat = function concat(list, totalLength) {
  if (!Array.isArray(list)) throw invalidArg("list", "an instance of Array", list);
  const total = totalLength ?? list.reduce((n, b) => n + b.length, 0);
  const out = new FastBuffer(total);
  let offset = 0;
  for (const item of list) {
    if (!(item instanceof Uint8Array)) {
      throw invalidArg("list[i]", "an instance of Buffer or Uint8Array", item);
    }
    if (offset >= total) break;
    const piece = item.length > total - offset ? item.subarray(0, total - offset) : item;
    out.set(piece, offset);
    offset += piece.length;
  }
  return out;
};

Buffer.compare = function compare(a, b) {
  if (!(a instanceof Uint8Array)) throw invalidArg("buf1", "an instance of Buffer or Uint8Array", a);
  if (!(b instanceof Uint8Array)) throw invalidArg("buf2", "an instance of Buffer or Uint8Array", b);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
};

const proto = FastBuffer.prototype;

proto.toString = function toString_(encoding, start = 0, end = this.length) {
  if (arguments.length === 0) return toString(this, "utf8");
  start = Math.max(0, start | 0);
  end = Math.min(this.length, end === undefined ? this.length : end | 0);
  if (end <= start) return "";
  return toString(this.subarray(start, end), encoding);
};
proto.toLocaleString = proto.toString;
proto.equals = function equals(other) {
  if (!(other instanceof Uint8Array)) throw invalidArg("otherBuffer", "an instance of Buffer or Uint8Array", other);
  return Buffer.compare(this, other) === 0;
};
proto.compare = function compare(target, tStart = 0, tEnd = target.length, sStart = 0, sEnd = this.length) {
  return Buffer.compare(this.subarray(sStart, sEnd), target.subarray(tStart, tEnd));
};
proto.slice = function slice(start, end) {
  return this.subarray(start, end);
};
proto.toJSON = function toJSON() {
  return { type: "Buffer", data: Array.from(this) };
};
proto.write = function write(string, offset = 0, length, encoding) {
  if (typeof offset === "string") {
    encoding = offset;
    offset = 0;
  } else if (typeof length === "string") {
    encoding = length;
    length = undefined;
  }
  const bytes = fromString(string, encoding);
  const n = Math.min(bytes.length, this.length - offset, length ?? Infinity);
  this.set(bytes.subarray(0, n), offset);
  return n;
};
proto.copy = function copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
  const n = Math.min(sourceEnd - sourceStart, target.length - targetStart);
  if (n <= 0) return 0;
  target.set(this.subarray(sourceStart, sourceStart + n), targetStart);
  return n;
};
const typedFill = Uint8Array.prototype.fill;
proto.fill = function fill(value, offset = 0, end = this.length, encoding) {
  if (typeof offset === "string") {
    encoding = offset;
    offset = 0;
    end = this.length;
  }
  if (typeof value === "string") {
    const bytes = value.length === 1 && value.charCodeAt(0) < 128
      ? [value.charCodeAt(0)]
      : fromString(value, encoding);
    if (bytes.length === 0) return typedFill.call(this, 0, offset, end);
    for (let i = offset, j = 0; i < end; i++, j = (j + 1) % bytes.length) {
      this[i] = bytes[j];
    }
    return this;
  }
  if (value instanceof Uint8Array) {
    for (let i = offset, j = 0; i < end; i++, j = (j + 1) % value.length) this[i] = value[j];
    return this;
  }
  return typedFill.call(this, Number(value) & 0xff, offset, end);
};
const typedIndexOf = Uint8Array.prototype.indexOf;
proto.indexOf = function indexOf(value, byteOffset = 0, encoding) {
  if (typeof value === "number") return typedIndexOf.call(this, value & 0xff, byteOffset);
  const needle = typeof value === "string" ? fromString(value, encoding) : value;
  if (byteOffset < 0) byteOffset = Math.max(0, this.length + byteOffset);
  if (needle.length === 0) return Math.min(byteOffset, this.length);
  outer: for (let i = byteOffset; i <= this.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (this[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
};
proto.includes = function includes(value, byteOffset, encoding) {
  return this.indexOf(value, byteOffset, encoding) !== -1;
};

// Fixed-width reads and writes, through a DataView over the same bytes.
function view(buf) {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}
function checkOffset(buf, offset, width) {
  if (offset === undefined) offset = 0;
  if (typeof offset !== "number" || offset < 0 || offset + width > buf.length || offset % 1 !== 0) {
    const err = errors.OutOfRange(`The value of "offset" is out of range. It must be >= 0 and <= ${buf.length - width}. Received ${offset}`);
    throw err;
  }
  return offset;
}
for (const [name, get, set, width, little] of [
  ["UInt8", "getUint8", "setUint8", 1, false],
  ["Int8", "getInt8", "setInt8", 1, false],
  ["UInt16LE", "getUint16", "setUint16", 2, true],
  ["UInt16BE", "getUint16", "setUint16", 2, false],
  ["Int16LE", "getInt16", "setInt16", 2, true],
  ["Int16BE", "getInt16", "setInt16", 2, false],
  ["UInt32LE", "getUint32", "setUint32", 4, true],
  ["UInt32BE", "getUint32", "setUint32", 4, false],
  ["Int32LE", "getInt32", "setInt32", 4, true],
  ["Int32BE", "getInt32", "setInt32", 4, false],
  ["FloatLE", "getFloat32", "setFloat32", 4, true],
  ["FloatBE", "getFloat32", "setFloat32", 4, false],
  ["DoubleLE", "getFloat64", "setFloat64", 8, true],
  ["DoubleBE", "getFloat64", "setFloat64", 8, false],
  ["BigUInt64LE", "getBigUint64", "setBigUint64", 8, true],
  ["BigUInt64BE", "getBigUint64", "setBigUint64", 8, false],
  ["BigInt64LE", "getBigInt64", "setBigInt64", 8, true],
  ["BigInt64BE", "getBigInt64", "setBigInt64", 8, false],
]) {
  const read = function (offset) {
    return view(this)[get](checkOffset(this, offset, width), little);
  };
  const write = function (value, offset) {
    offset = checkOffset(this, offset, width);
    view(this)[set](offset, value, little);
    return offset + width;
  };
  proto[`read${name}`] = read;
  proto[`write${name}`] = write;
  if (name.includes("UInt")) {
    proto[`read${name.replace("UInt", "Uint")}`] = read;
    proto[`write${name.replace("UInt", "Uint")}`] = write;
  }
}

const kMaxLength = 2 ** 32;
const constants = { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24 };
const exports = {
  Buffer,
  kMaxLength,
  constants,
  Blob: globalThis.Blob,
  File: globalThis.File,
  atob: globalThis.atob,
  btoa: globalThis.btoa,
  isUtf8: (bytes) => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes);
      return true;
    } catch {
      return false;
    }
  },
  SlowBuffer: Buffer.allocUnsafeSlow,
  INSPECT_MAX_BYTES: 50,
};
export default exports;
export { Buffer, kMaxLength, constants };
export const {
  Blob,
  File,
  atob,
  btoa,
  isUtf8,
  SlowBuffer,
  INSPECT_MAX_BYTES,
} = exports;
