// node:string_decoder: bytes to text across chunk boundaries (a split
// UTF-8 sequence waits for its rest), for utf8/utf-16le/latin1/base64/hex.

import { Buffer } from "node:buffer";

const STREAMING = { __proto__: null, utf8: "utf-8", "utf-8": "utf-8", utf16le: "utf-16le", "utf-16le": "utf-16le", ucs2: "utf-16le", "ucs-2": "utf-16le" };

class StringDecoder {
  constructor(encoding = "utf8") {
    const enc = `${encoding}`.toLowerCase();
    this.encoding = enc === "utf-8" ? "utf8" : enc;
    const label = STREAMING[enc];
    this._decoder = label ? new TextDecoder(label) : null;
    this._pending = null;
  }

  write(chunk) {
    if (typeof chunk === "string") return chunk;
    const bytes = chunk instanceof Uint8Array ? chunk : new Uint8Array(chunk);
    if (this._decoder) return this._decoder.decode(bytes, { stream: true });
    // base64 works in 3-byte groups; others decode byte by byte.
    let buf = Buffer.from(bytes);
    if (this._pending) {
      buf = Buffer.concat([this._pending, buf]);
      this._pending = null;
    }
    if (this.encoding === "base64" || this.encoding === "base64url") {
      const keep = buf.length % 3;
      if (keep) {
        this._pending = buf.subarray(buf.length - keep);
        buf = buf.subarray(0, buf.length - keep);
      }
    }
    return buf.toString(this.encoding);
  }

  end(chunk) {
    let out = chunk === undefined ? "" : this.write(chunk);
    if (this._decoder) out += this._decoder.decode();
    else if (this._pending) {
      out += this._pending.toString(this.encoding);
      this._pending = null;
    }
    return out;
  }
}

const sd = { StringDecoder };
export default sd;
// Members whose module-level binding is another value.
const {
  StringDecoder: StringDecoder$,
} = sd;
export {
  StringDecoder$ as StringDecoder,
};
