// FormData (https://xhr.spec.whatwg.org/#interface-formdata) and the two
// encodings a body can carry it in: multipart/form-data (RFC 7578) and
// application/x-www-form-urlencoded.

import { primordials } from "ext:core/mod.js";
import { webScript } from "ext:rt_web/00_web.js";

const {
  ArrayPrototypePush,
  ArrayPrototypeSplice,
  MathRandom,
  ObjectPrototypeIsPrototypeOf,
  StringPrototypeToLowerCase,
  Symbol,
  SymbolIterator,
  TypeError,
  Uint8Array,
} = primordials;

const { Blob, File } = webScript("09_file");
const { URLSearchParams } = webScript("00_url");

const kEntries = Symbol("entries");
const { TextDecoder: TextDecoderImpl, TextEncoder: TextEncoderImpl } = webScript("08_text_encoding");
const encoder = new TextEncoderImpl();
const decoder = new TextDecoderImpl();

/** https://xhr.spec.whatwg.org/#create-an-entry */
function entry(name, value, filename) {
  name = `${name}`;
  if (ObjectPrototypeIsPrototypeOf(Blob.prototype, value)) {
    if (!ObjectPrototypeIsPrototypeOf(File.prototype, value) || filename !== undefined) {
      const name2 = filename !== undefined
        ? `${filename}`
        : ObjectPrototypeIsPrototypeOf(File.prototype, value) ? value.name : "blob";
      value = new File([value], name2, {
        type: value.type,
        lastModified: value.lastModified,
      });
    }
    return [name, value];
  }
  return [name, `${value}`];
}

export class FormData {
  [kEntries] = [];

  constructor(form = undefined) {
    if (form !== undefined) {
      throw new TypeError("FormData does not accept a form element here");
    }
  }

  append(name, value, filename = undefined) {
    ArrayPrototypePush(this[kEntries], entry(name, value, filename));
  }

  delete(name) {
    name = `${name}`;
    const entries = this[kEntries];
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i][0] === name) ArrayPrototypeSplice(entries, i, 1);
    }
  }

  get(name) {
    name = `${name}`;
    for (const [n, v] of this[kEntries]) if (n === name) return v;
    return null;
  }

  getAll(name) {
    name = `${name}`;
    const out = [];
    for (const [n, v] of this[kEntries]) if (n === name) ArrayPrototypePush(out, v);
    return out;
  }

  has(name) {
    name = `${name}`;
    for (const [n] of this[kEntries]) if (n === name) return true;
    return false;
  }

  set(name, value, filename = undefined) {
    const e = entry(name, value, filename);
    const entries = this[kEntries];
    const index = entries.findIndex(([n]) => n === e[0]);
    if (index === -1) {
      ArrayPrototypePush(entries, e);
      return;
    }
    entries[index] = e;
    for (let i = entries.length - 1; i > index; i--) {
      if (entries[i][0] === e[0]) ArrayPrototypeSplice(entries, i, 1);
    }
  }

  forEach(callback, thisArg = undefined) {
    for (const [name, value] of this[kEntries]) callback.call(thisArg, value, name, this);
  }

  *entries() {
    for (const [name, value] of this[kEntries]) yield [name, value];
  }

  *keys() {
    for (const [name] of this[kEntries]) yield name;
  }

  *values() {
    for (const [, value] of this[kEntries]) yield value;
  }

  [SymbolIterator]() {
    return this.entries();
  }

  get [Symbol.toStringTag]() {
    return "FormData";
  }
}

function escapeName(name) {
  return name.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
}

/** Serializes to multipart/form-data: `[bytes, contentType]`. */
export function serializeFormData(form) {
  const boundary = `----rtFormBoundary${MathRandom().toString(36).slice(2)}${MathRandom().toString(36).slice(2)}`;
  const parts = [];
  for (const [name, value] of form[kEntries]) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name.replace(/\r?\n|\r/g, "\r\n"))}"`;
    if (typeof value === "string") {
      ArrayPrototypePush(parts, encoder.encode(`${head}\r\n\r\n${value.replace(/\r(?!\n)|(?<!\r)\n/g, "\r\n")}\r\n`));
    } else {
      head += `; filename="${escapeName(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
      ArrayPrototypePush(parts, encoder.encode(head));
      ArrayPrototypePush(parts, value);
      ArrayPrototypePush(parts, encoder.encode("\r\n"));
    }
  }
  ArrayPrototypePush(parts, encoder.encode(`--${boundary}--\r\n`));
  // Blob parts are joined synchronously through a Blob, which holds them by reference.
  const blob = new Blob(parts);
  return [blob, `multipart/form-data; boundary=${boundary}`];
}

function parameter(header, key) {
  const re = new RegExp(`;\\s*${key}\\*?=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, "i");
  const match = re.exec(header);
  if (match === null) return null;
  return match[1] !== undefined ? match[1].replace(/\\(.)/g, "$1") : match[2];
}

function indexOf(haystack, needle, from) {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** Parses multipart/form-data bytes (RFC 7578). */
function parseMultipart(bytes, boundary) {
  const form = new FormData();
  const delimiter = encoder.encode(`--${boundary}`);
  let pos = indexOf(bytes, delimiter, 0);
  if (pos === -1) throw new TypeError("Invalid multipart/form-data body: no boundary");
  for (;;) {
    pos += delimiter.length;
    if (bytes[pos] === 45 && bytes[pos + 1] === 45) break; // "--": the end
    if (bytes[pos] === 13 && bytes[pos + 1] === 10) pos += 2;
    const headEnd = indexOf(bytes, encoder.encode("\r\n\r\n"), pos);
    if (headEnd === -1) throw new TypeError("Invalid multipart/form-data body: bad part headers");
    const headers = { __proto__: null };
    for (const line of decoder.decode(bytes.subarray(pos, headEnd)).split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[StringPrototypeToLowerCase(line.slice(0, colon).trim())] = line.slice(colon + 1).trim();
    }
    const next = indexOf(bytes, delimiter, headEnd + 4);
    if (next === -1) throw new TypeError("Invalid multipart/form-data body: unterminated part");
    let end = next;
    if (bytes[end - 2] === 13 && bytes[end - 1] === 10) end -= 2;
    const content = bytes.subarray(headEnd + 4, end);
    const disposition = headers["content-disposition"] ?? "";
    const name = parameter(disposition, "name");
    if (name === null) throw new TypeError("Invalid multipart/form-data body: part without a name");
    const filename = parameter(disposition, "filename");
    if (filename !== null) {
      form.append(name, new File([content.slice()], filename, {
        type: headers["content-type"] ?? "",
      }));
    } else {
      form.append(name, decoder.decode(content));
    }
    pos = next;
  }
  return form;
}

/** https://fetch.spec.whatwg.org/#dom-body-formdata */
export function parseFormData(bytes, contentType) {
  const essence = StringPrototypeToLowerCase(contentType.split(";")[0].trim());
  if (essence === "multipart/form-data") {
    const boundary = parameter(contentType, "boundary");
    if (!boundary) throw new TypeError("Missing boundary in multipart/form-data content type");
    return parseMultipart(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), boundary);
  }
  if (essence === "application/x-www-form-urlencoded") {
    const form = new FormData();
    for (const [name, value] of new URLSearchParams(decoder.decode(bytes))) {
      form.append(name, value);
    }
    return form;
  }
  throw new TypeError(`Cannot parse a body of type "${contentType}" as FormData`);
}
