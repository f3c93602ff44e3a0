// Response (https://fetch.spec.whatwg.org/#response-class), with Bun's
// `Response.json(data, status)` and `Response.redirect(url, init)` forms.
//
// `new Response("text")` builds no Headers object: the implied content type
// is kept aside and only materialized if the script reads `.headers`, so
// the common case crosses to Rust as one op with a string.

import { primordials } from "ext:core/mod.js";
import { webScript } from "ext:rt_web/00_web.js";
import { appendTrusted, Headers, kGuard } from "ext:rt_http/22_headers.js";
import { cloneBody, extractBody, kSource, mixinBody, TEXT_TYPE } from "ext:rt_http/24_body.js";

const {
  JSONStringify,
  NumberIsInteger,
  RangeError,
  RegExpPrototypeTest,
  StringPrototypeIndexOf,
  StringPrototypeSlice,
  Symbol,
  SymbolFor,
  TypeError,
} = primordials;

const { URL } = webScript("00_url");

export const kStatus = Symbol("status");
export const kStatusText = Symbol("status text");
export const kHeaders = Symbol("headers");
/** The content type implied by the body, while `kHeaders` is not built. */
export const kImpliedType = Symbol("implied content type");
export const kType = Symbol("type");
export const kUrlList = Symbol("url list");
/** rt's extension: `init.trailers`, sent after the body (see serve/52_serve.js). */
export const kTrailers = Symbol("trailers");

/** https://fetch.spec.whatwg.org/#null-body-status */
const NULL_BODY_STATUS = [101, 103, 204, 205, 304];
/** A URL with a scheme (RFC 3986 section 3.1), which must parse on its own. */
const ABSOLUTE = /^[a-zA-Z][a-zA-Z0-9+.-]*:/;
const REDIRECT_STATUS = [301, 302, 303, 307, 308];

/** WebIDL unsigned short: truncated, modulo 2^16 (NaN and +/-Infinity are 0). */
function toUnsignedShort(n) {
  if (!Number.isFinite(n)) return 0;
  const t = Math.trunc(n) % 65536;
  return t < 0 ? t + 65536 : t;
}
const REASON_RE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Response.json's type as the Fetch standard gives it (a server sends
 * Bun's `application/json;charset=utf-8` when the script never read it). */
export const JSON_TYPE = "application/json";

function initObject(init, what) {
  if (typeof init === "number") return { status: init };
  if (init === undefined || init === null) return {};
  if (typeof init !== "object") {
    throw new TypeError(`${what}: init must be an object`);
  }
  return init;
}

/** https://fetch.spec.whatwg.org/#initialize-a-response */
function initialize(response, init, source, type) {
  // 1. status must be in the range 200 to 599.
  if (init.status !== undefined) {
    const status = +init.status;
    if (!NumberIsInteger(status) || status < 200 || status > 599) {
      throw new RangeError(
        `The status provided (${init.status}) is outside the range [200, 599].`,
      );
    }
    response[kStatus] = status;
  }
  // 2. statusText must match the reason-phrase token production.
  if (init.statusText !== undefined) {
    const text = `${init.statusText}`;
    if (!RegExpPrototypeTest(REASON_RE, text)) {
      throw new TypeError("Invalid statusText");
    }
    response[kStatusText] = text;
  }
  // 5. headers
  if (init.headers !== undefined) {
    const headers = new Headers(init.headers);
    headers[kGuard] = "response";
    response[kHeaders] = headers;
  }
  // rt: trailers as a HeadersInit, a promise of one or a function giving
  // one (or a promise), read once the body has been sent.
  if (init.trailers !== undefined && init.trailers !== null) {
    const trailers = init.trailers;
    if (typeof trailers !== "object" && typeof trailers !== "function") {
      throw new TypeError("Response: init.trailers must be a HeadersInit, a promise or a function");
    }
    response[kTrailers] = trailers;
  }
  // 6. A body on a null body status is an error.
  if (source !== null && NULL_BODY_STATUS.includes(response[kStatus])) {
    throw new TypeError(`Response with null body status (${response[kStatus]}) cannot have a body`);
  }
  response[kSource] = source;
  if (type !== null) {
    const headers = response[kHeaders];
    if (headers === undefined) {
      response[kImpliedType] = type;
    } else if (!headers.has("content-type")) {
      appendTrusted(headers, "content-type", type);
    }
  }
}

// Only the fields every response needs are set in the constructor; status
// text, type and URL list exist only on responses that have them.
export class Response {
  /** https://fetch.spec.whatwg.org/#dom-response */
  constructor(body = null, init = undefined) {
    // Status 200, no Headers object and no implied type are the defaults on
    // the prototype (below): each own property a QuickJS object gains is a
    // shape change, so the common response sets only what differs.
    // The common `new Response("text")`: no init object to read.
    if (typeof body === "string" && init === undefined) {
      this[kSource] = body;
      this[kImpliedType] = TEXT_TYPE;
      return;
    }
    const [source, type] = extractBody(body);
    initialize(this, initObject(init, "Response"), source, type);
  }

  /** https://fetch.spec.whatwg.org/#dom-response-error */
  static error() {
    const response = new Response();
    response[kType] = "error";
    response[kStatus] = 0;
    const headers = new Headers();
    headers[kGuard] = "immutable";
    response[kHeaders] = headers;
    return response;
  }

  /** https://fetch.spec.whatwg.org/#dom-response-redirect */
  static redirect(url, init = 302) {
    // 1. Parse url with the current settings object's base URL. A page (rt
    //    wpt) has one in `location`; a server has none, so there, as in
    //    Bun, a relative URL such as "/login" is kept as given for the
    //    client to resolve. An absolute URL that does not parse throws.
    const given = `${url}`;
    let location;
    const base = globalThis.location?.href;
    try {
      location = new URL(given, base).href;
    } catch {
      if (base !== undefined || ABSOLUTE.test(given)) {
        throw new TypeError(`Failed to parse URL from ${given}`);
      }
      location = given;
    }
    // 2. A status that is not a redirect status is a RangeError.
    //    As in Bun, a number is the status, an object is a ResponseInit and
    //    anything else leaves the default 302; the number converts as a
    //    WebIDL unsigned short.
    let status = 302;
    if (typeof init === "number") status = toUnsignedShort(init);
    else if (typeof init === "object" && init !== null && init.status !== undefined) {
      status = toUnsignedShort(+init.status);
    }
    if (!REDIRECT_STATUS.includes(status)) {
      throw new RangeError("Failed to execute 'redirect' on 'Response': Invalid status code");
    }
    const response = new Response(null, typeof init === "object" && init !== null
      ? { ...init, status }
      : { status });
    if (location !== "") response.headers.set("Location", location);
    return response;
  }

  /** https://fetch.spec.whatwg.org/#dom-response-json */
  static json(data, init = undefined) {
    const text = JSONStringify(data);
    if (text === undefined) {
      throw new TypeError("Value is not JSON serializable");
    }
    if (init === undefined) {
      // The common `Response.json(data)`: the string fast path of the
      // constructor, with the JSON content type implied instead.
      const response = new Response(text);
      response[kImpliedType] = JSON_TYPE;
      return response;
    }
    const response = new Response(null, undefined);
    initialize(response, initObject(init, "Response.json"), text, JSON_TYPE);
    return response;
  }

  get type() {
    return this[kType] ?? "default";
  }

  /** https://fetch.spec.whatwg.org/#dom-response-url (without a fragment) */
  get url() {
    const list = this[kUrlList];
    if (list === undefined || list.length === 0) return "";
    const url = list[list.length - 1];
    const hash = StringPrototypeIndexOf(url, "#");
    return hash === -1 ? url : StringPrototypeSlice(url, 0, hash);
  }

  get redirected() {
    const list = this[kUrlList];
    return list !== undefined && list.length > 1;
  }

  get status() {
    return this[kStatus];
  }

  get ok() {
    return this[kStatus] >= 200 && this[kStatus] <= 299;
  }

  get statusText() {
    return this[kStatusText] ?? "";
  }

  get headers() {
    let headers = this[kHeaders];
    if (headers === undefined) {
      headers = new Headers();
      headers[kGuard] = "response";
      if (this[kImpliedType] !== null) {
        appendTrusted(headers, "content-type", this[kImpliedType]);
        this[kImpliedType] = null;
      }
      this[kHeaders] = headers;
    }
    return headers;
  }

  /** https://fetch.spec.whatwg.org/#dom-response-clone */
  clone() {
    const copy = new Response();
    copy[kStatus] = this[kStatus];
    copy[kStatusText] = this[kStatusText];
    copy[kType] = this[kType];
    copy[kUrlList] = this[kUrlList];
    copy[kImpliedType] = this[kImpliedType];
    if (this[kTrailers] !== undefined) copy[kTrailers] = this[kTrailers];
    if (this[kHeaders] !== undefined) {
      copy[kHeaders] = new Headers(this[kHeaders]);
      copy[kHeaders][kGuard] = this[kHeaders][kGuard];
    }
    cloneBody(this, copy);
    return copy;
  }

  get [Symbol.toStringTag]() {
    return "Response";
  }

  [SymbolFor("Deno.privateCustomInspect")](inspect, options) {
    return `Response ${inspect({
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
      ok: this.ok,
      url: this.url,
      redirected: this.redirected,
      bodyUsed: this.bodyUsed,
    }, options)}`;
  }
}

mixinBody(Response.prototype);
// The defaults the constructor leaves unset (see there).
for (const [key, value] of [[kStatus, 200], [kHeaders, undefined], [kImpliedType, null], [kTrailers, undefined]]) {
  Object.defineProperty(Response.prototype, key, {
    __proto__: null,
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
