// MIME types as the Fetch standard reads them: "extract a MIME type" from a
// Content-Type header (https://fetch.spec.whatwg.org/#concept-header-extract-mime-type)
// and the data: URL processor (https://fetch.spec.whatwg.org/#data-url-processor).
// Parsing and serializing a single MIME type is deno_web's (mimesniff).

import { primordials } from "ext:core/mod.js";
import { webScript } from "ext:rt_web/00_web.js";

const {
  ArrayPrototypePush,
  RegExpPrototypeExec,
  RegExpPrototypeTest,
  StringPrototypeCharCodeAt,
  StringPrototypeIndexOf,
  StringPrototypeReplace,
  StringFromCharCode,
  StringPrototypeSlice,
  TypeError,
  Uint8Array,
} = primordials;

const HTTP_TAB_OR_SPACE = /^[\t ]+|[\t ]+$/g;
const ASCII_WHITESPACE = /^[\t\n\f\r ]+|[\t\n\f\r ]+$/g;

/** https://fetch.spec.whatwg.org/#header-value-get-decode-and-split */
export function getDecodeAndSplit(input) {
  const { collectHttpQuotedString } = webScript("00_infra");
  // 1-4.
  let position = 0;
  const values = [];
  let value = "";
  // 5.
  while (true) {
    // 5.1. Code points that are not `"` or `,`.
    let end = position;
    while (end < input.length && input[end] !== "\"" && input[end] !== ",") end++;
    value += StringPrototypeSlice(input, position, end);
    position = end;
    // 5.2.
    if (position < input.length) {
      if (input[position] === "\"") {
        // 5.2.1. A quoted string, kept with its quotes.
        const quoted = collectHttpQuotedString(input, position, false);
        value += quoted.result;
        position = quoted.position;
        if (position < input.length) continue;
      } else {
        // 5.2.2. A comma.
        position++;
      }
    }
    // 5.3-5.5.
    ArrayPrototypePush(values, StringPrototypeReplace(value, HTTP_TAB_OR_SPACE, ""));
    value = "";
    // 5.6.
    if (position >= input.length) return values;
  }
}

/** The MIME type a Content-Type value gives (serialized), or "" if none. */
export function extractMimeType(contentType) {
  if (contentType === null || contentType === undefined) return "";
  const mime = webScript("01_mimesniff");
  const record = mime.extractMimeType(getDecodeAndSplit(contentType));
  return record === null ? "" : mime.serializeMimeType(record);
}

const BASE64URL_ONLY = /[-_]/;
const BASE64_SUFFIX = /;\x20*base64$/i;

/** https://url.spec.whatwg.org/#percent-decode on a URL's (ASCII) text. */
function percentDecode(text) {
  const out = new Uint8Array(text.length);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = StringPrototypeCharCodeAt(text, i);
    if (code === 0x25 && i + 2 < text.length && isHex(text, i + 1) && isHex(text, i + 2)) {
      out[length++] = hexValue(text, i + 1) * 16 + hexValue(text, i + 2);
      i += 2;
    } else {
      // The URL serializer leaves only ASCII here.
      out[length++] = code & 0xff;
    }
  }
  return out.subarray(0, length);
}

function isHex(text, at) {
  return hexValue(text, at) >= 0;
}

function hexValue(text, at) {
  const code = StringPrototypeCharCodeAt(text, at);
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * https://fetch.spec.whatwg.org/#data-url-processor: `{ mimeType, body }`
 * for a data: URL (already parsed), or a TypeError.
 */
export function processDataUrl(url) {
  // 1-2. The URL's serialization without its fragment, minus "data:".
  let input = url.href;
  const hash = StringPrototypeIndexOf(input, "#");
  if (hash !== -1) input = StringPrototypeSlice(input, 0, hash);
  input = StringPrototypeSlice(input, 5);
  // 3-6. The MIME type: everything before the first comma, trimmed.
  const comma = StringPrototypeIndexOf(input, ",");
  if (comma === -1) throw new TypeError("Invalid data: URL (no comma)");
  let mimeType = StringPrototypeReplace(StringPrototypeSlice(input, 0, comma), ASCII_WHITESPACE, "");
  // 7-9. The body, percent-decoded to bytes.
  let body = percentDecode(StringPrototypeSlice(input, comma + 1));
  // 10. `;base64` (case-insensitive, spaces allowed before it).
  const base64 = RegExpPrototypeExec(BASE64_SUFFIX, mimeType);
  if (base64 !== null) {
    mimeType = StringPrototypeSlice(mimeType, 0, base64.index);
    const { forgivingBase64Decode } = webScript("00_infra");
    let text = "";
    for (let i = 0; i < body.length; i++) text += StringFromCharCode(body[i]);
    // The engine's decoder (QuickJS backend) also takes base64url's `-`
    // and `_`; forgiving-base64 decode does not.
    if (RegExpPrototypeTest(BASE64URL_ONLY, text)) throw new TypeError("Invalid data: URL (bad base64)");
    try {
      body = forgivingBase64Decode(text);
    } catch {
      throw new TypeError("Invalid data: URL (bad base64)");
    }
  }
  // 11. A type starting with ";" is text/plain's.
  if (mimeType[0] === ";") mimeType = `text/plain${mimeType}`;
  // 12-13. Unparsable: text/plain;charset=US-ASCII.
  const mime = webScript("01_mimesniff");
  const record = mime.parseMimeType(mimeType);
  const serialized = record === null ? "text/plain;charset=US-ASCII" : mime.serializeMimeType(record);
  return { mimeType: serialized, body };
}
