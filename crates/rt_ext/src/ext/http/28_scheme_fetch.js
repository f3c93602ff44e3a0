// fetch() of the schemes answered without a network: data: and blob:
// (https://fetch.spec.whatwg.org/#scheme-fetch). A network error is a
// TypeError.

import { primordials } from "ext:core/mod.js";
import { webScript } from "ext:rt_web/00_web.js";
import { processDataUrl } from "ext:rt_web/07_mime.js";
import { kBlob } from "ext:rt_http/25_request.js";
import { kStatus, kStatusText, kUrlList, Response } from "ext:rt_http/26_response.js";

const {
  NumberParseInt,
  RegExpPrototypeExec,
  StringPrototypeStartsWith,
  TypeError,
} = primordials;

const { URL } = webScript("00_url");

/** Whether fetch() answers this URL itself (no network). */
export function isLocalScheme(url) {
  return StringPrototypeStartsWith(url, "data:") || StringPrototypeStartsWith(url, "blob:");
}

/** The response for a data: or blob: request, or a TypeError. */
export function fetchLocal(request) {
  let url;
  try {
    url = new URL(request.url);
  } catch {
    throw new TypeError(`Failed to parse URL from ${request.url}`);
  }
  return url.protocol === "data:" ? fetchDataUrl(url) : fetchBlobUrl(url, request);
}

function respond(url, body, status, statusText, headers) {
  const response = new Response(body, { headers });
  response[kStatus] = status;
  response[kStatusText] = statusText;
  response[kUrlList] = [url.href];
  return response;
}

/** data: (any method; a Range header is ignored). */
function fetchDataUrl(url) {
  const { mimeType, body } = processDataUrl(url);
  return respond(url, body, 200, "OK", [["content-type", mimeType]]);
}

/** blob: (https://fetch.spec.whatwg.org/#scheme-fetch, "blob"). */
function fetchBlobUrl(url, request) {
  // 1-2. A registered blob, fetched with GET.
  // The entry was resolved when the request's URL was parsed.
  const blob = request[kBlob] ?? null;
  if (request.method !== "GET" || blob === null) {
    throw new TypeError(`Failed to fetch ${url.href}`);
  }
  // 3-8.
  const fullLength = blob.size;
  const type = blob.type;
  const range = request.headers.get("range");
  // 9. Without a Range header: the whole blob.
  if (range === null) {
    return respond(url, blob, 200, "OK", [
      ["content-length", `${fullLength}`],
      ["content-type", type],
    ]);
  }
  // 10. A single byte range.
  const parsed = parseSingleRange(range);
  if (parsed === null) throw new TypeError(`Invalid Range header: ${range}`);
  let [start, end] = parsed;
  if (start === null) {
    // A suffix: the last `end` bytes.
    start = end >= fullLength ? 0 : fullLength - end;
    end = fullLength - 1;
  } else {
    if (start >= fullLength) throw new TypeError(`Range not satisfiable: ${range}`);
    if (end === null || end >= fullLength) end = fullLength - 1;
  }
  const sliced = blob.slice(start, end + 1, type);
  return respond(url, sliced, 206, "Partial Content", [
    ["content-length", `${sliced.size}`],
    ["content-type", type],
    ["content-range", `bytes ${start}-${end}/${fullLength}`],
  ]);
}

// https://fetch.spec.whatwg.org/#simple-range-header-value, whitespace
// allowed around `=` and `-`, one range only.
const SINGLE_RANGE = /^bytes[\t ]*=[\t ]*(\d*)[\t ]*-[\t ]*(\d*)$/i;

/** https://fetch.spec.whatwg.org/#concept-single-range-header-value-parse:
 * `[start | null, end | null]`, or null for failure. */
export function parseSingleRange(value) {
  const match = RegExpPrototypeExec(SINGLE_RANGE, value);
  if (match === null) return null;
  const start = match[1] === "" ? null : NumberParseInt(match[1], 10);
  const end = match[2] === "" ? null : NumberParseInt(match[2], 10);
  if (start === null && end === null) return null;
  if (start !== null && end !== null && start > end) return null;
  return [start, end];
}
