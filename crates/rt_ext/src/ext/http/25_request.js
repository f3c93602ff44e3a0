// Request (https://fetch.spec.whatwg.org/#request-class), plus Bun's
// `params` on requests routed by Bun.serve.
//
// A request made by the server holds only its id: method, URL and headers
// are fetched from Rust the first time the script reads them.

import { core, primordials } from "ext:core/mod.js";
import {
  op_request_client_gone,
  op_request_headers,
  op_request_method,
  op_request_url,
} from "ext:core/ops";
import { webScript } from "ext:rt_web/00_web.js";
import { CookieMap } from "ext:rt_http/21_cookie.js";
import {
  appendTrusted,
  headerList,
  Headers,
  kGuard,
  lazyHeaders,
} from "ext:rt_http/22_headers.js";
import {
  cloneBody,
  disturbBody,
  extractBody,
  isUnusable,
  kSource,
  mixinBody,
  ServerBody,
  takeBody,
} from "ext:rt_http/24_body.js";

const {
  ArrayPrototypeIncludes,
  ArrayPrototypeJoin,
  ArrayPrototypePush,
  ObjectCreate,
  ObjectPrototypeIsPrototypeOf,
  PromisePrototypeThen,
  RegExpPrototypeTest,
  StringPrototypeToLowerCase,
  StringPrototypeToUpperCase,
  Symbol,
  SymbolFor,
  TypeError,
} = primordials;

const { URL } = webScript("00_url");
const { blobFromObjectUrl } = webScript("09_file");
const { AbortController, AbortSignal } = webScript("03_abort_signal");
const { DOMException } = webScript("01_dom_exception");

export const kMethod = Symbol("method");
export const kUrl = Symbol("url");
export const kHeaders = Symbol("headers");
export const kSignal = Symbol("signal");
/** The Rust request id of a server request, 0 otherwise. */
export const kServerId = Symbol("server request id");
/** The request's CookieMap, once `cookies` was read. */
export const kCookies = Symbol("cookies");
const kInit = Symbol("init");
/** A blob: URL's blob, resolved when the URL was parsed (the URL may be
 * revoked before the fetch). */
export const kBlob = Symbol("blob URL entry");

/** Method codes from Rust (see `method_code` in src/server/types.rs). */
const METHODS = ["", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"];
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NORMALIZED = { __proto__: null, DELETE: 1, GET: 1, HEAD: 1, OPTIONS: 1, POST: 1, PUT: 1, PATCH: 1 };
const FORBIDDEN = { __proto__: null, CONNECT: 1, TRACE: 1, TRACK: 1 };
/** https://fetch.spec.whatwg.org/#cors-safelisted-method */
const SIMPLE_METHODS = ["GET", "HEAD", "POST"];

/** https://fetch.spec.whatwg.org/#concept-method-normalize */
function normalizeMethod(method) {
  method = `${method}`;
  if (!RegExpPrototypeTest(TOKEN_RE, method)) {
    throw new TypeError(`"${method}" is not a valid HTTP method`);
  }
  const upper = StringPrototypeToUpperCase(method);
  if (FORBIDDEN[upper] !== undefined) {
    throw new TypeError(`"${method}" HTTP method is unsupported`);
  }
  return NORMALIZED[upper] !== undefined ? upper : method;
}

const OPTIONAL = [
  "mode",
  "credentials",
  "cache",
  "redirect",
  "referrer",
  "referrerPolicy",
  "integrity",
  "keepalive",
  "duplex",
  "priority",
];

/** The RequestInit members that are WebIDL enums, and their values. */
const ENUMS = {
  __proto__: null,
  mode: ["navigate", "same-origin", "no-cors", "cors"],
  credentials: ["omit", "same-origin", "include"],
  cache: ["default", "no-store", "reload", "no-cache", "force-cache", "only-if-cached"],
  redirect: ["follow", "error", "manual"],
  referrerPolicy: [
    "",
    "no-referrer",
    "no-referrer-when-downgrade",
    "same-origin",
    "origin",
    "strict-origin",
    "origin-when-cross-origin",
    "strict-origin-when-cross-origin",
    "unsafe-url",
  ],
  priority: ["high", "low", "auto"],
  duplex: ["half"],
};

/** The options of `init` rt keeps, each converted as WebIDL would. */
function initOptions(init, inherited) {
  let options = inherited;
  for (let i = 0; i < OPTIONAL.length; i++) {
    const key = OPTIONAL[i];
    let value = init[key];
    if (value === undefined) continue;
    const allowed = ENUMS[key];
    if (allowed !== undefined) {
      value = `${value}`;
      if (!ArrayPrototypeIncludes(allowed, value)) {
        throw new TypeError(`'${value}' is not a valid value for RequestInit.${key}`);
      }
    } else if (key === "keepalive") {
      value = !!value;
    } else {
      value = `${value}`;
    }
    if (options === inherited) options = { __proto__: null, ...inherited };
    options[key] = value;
  }
  return options;
}

/** https://fetch.spec.whatwg.org/#dom-request (step 15: referrer) */
function parseReferrer(referrer) {
  if (referrer === "") return "no-referrer";
  let parsed;
  try {
    parsed = new URL(referrer, globalThis.location?.href);
  } catch {
    throw new TypeError(`Failed to parse referrer URL ${referrer}`);
  }
  // about:client, or a URL of another origin, is the client.
  if (parsed.href === "about:client") return "client";
  const origin = globalThis.location?.origin;
  if (origin !== undefined && parsed.origin !== origin) return "client";
  return parsed.href;
}

// Fields are assigned in the constructor, and rarely used ones (signal,
// init options, body stream) only when needed: every property a request is
// born with costs time on the server's hot path.
export class Request {
  /** https://fetch.spec.whatwg.org/#dom-request */
  constructor(input, init = undefined) {
    this[kServerId] = 0;
    this[kMethod] = "GET";
    this[kUrl] = "";
    this[kHeaders] = undefined;
    this[kSource] = null;
    if (input === kServerId) return; // a copy being made by clone()
    if (arguments.length < 1) {
      throw new TypeError("Request constructor requires at least 1 argument");
    }
    if (init !== undefined && (init === null || typeof init !== "object")) {
      throw new TypeError("Request init must be an object");
    }
    let inputRequest = null;
    if (ObjectPrototypeIsPrototypeOf(RequestPrototype, input)) {
      inputRequest = input;
      this[kMethod] = input.method;
      this[kUrl] = input.url;
      if (input[kBlob] !== undefined) this[kBlob] = input[kBlob];
      this[kInit] = input[kInit];
    } else {
      // 5.2-5.4. Parse input against the base URL (a page's `location`;
      // none in a script, as in Bun); a failure or credentials are errors.
      let parsed;
      try {
        parsed = new URL(`${input}`, globalThis.location?.href);
      } catch {
        throw new TypeError(`Failed to parse URL from ${input}`);
      }
      if (parsed.username !== "" || parsed.password !== "") {
        throw new TypeError("Request URL must not include credentials");
      }
      this[kUrl] = parsed.href;
      if (parsed.protocol === "blob:") this[kBlob] = blobFromObjectUrl(parsed.href);
    }
    init ??= {};
    // 10-11. window may only be null.
    if (init.window !== undefined && init.window !== null) {
      throw new TypeError("RequestInit.window must be null");
    }
    // 14-24. The options, checked as their WebIDL types; mode "navigate"
    // cannot be set by a script.
    const options = initOptions(init, this[kInit]);
    if (options !== undefined) {
      if (init.mode === "navigate") {
        throw new TypeError("RequestInit.mode cannot be 'navigate'");
      }
      if (init.referrer !== undefined) options.referrer = parseReferrer(options.referrer);
      // 22. only-if-cached needs mode same-origin.
      if (options.cache === "only-if-cached" && options.mode !== "same-origin") {
        throw new TypeError("cache mode 'only-if-cached' needs mode 'same-origin'");
      }
      this[kInit] = options;
    }
    // 25. method
    if (init.method !== undefined) this[kMethod] = normalizeMethod(init.method);
    // 26-27. no-cors allows only CORS-safelisted methods.
    if (this[kInit]?.mode === "no-cors" && !ArrayPrototypeIncludes(SIMPLE_METHODS, this[kMethod])) {
      throw new TypeError(`'${this[kMethod]}' is not allowed with mode 'no-cors'`);
    }
    // 29-30. signal: follows both the input request's and init's signal.
    const signals = [];
    if (init.signal !== undefined && init.signal !== null) {
      if (!ObjectPrototypeIsPrototypeOf(AbortSignal.prototype, init.signal)) {
        throw new TypeError("Request init signal must be an AbortSignal");
      }
      signals.push(init.signal);
    } else if (init.signal === undefined && inputRequest !== null && inputRequest[kSignal] !== undefined) {
      // An explicit `signal: null` drops the input request's signal.
      signals.push(inputRequest[kSignal]);
    }
    // 32-33. headers
    const headers = new Headers(init.headers ?? (inputRequest !== null ? inputRequest.headers : undefined));
    headers[kGuard] = "request";
    // 39-40. A body (the init's or the input's) needs a method that has one.
    const bodyInit = init.body;
    const inputBody = inputRequest !== null && inputRequest[kSource] !== null;
    if (((bodyInit !== undefined && bodyInit !== null) || inputBody) &&
      (this[kMethod] === "GET" || this[kMethod] === "HEAD")) {
      throw new TypeError("Request with GET/HEAD method cannot have body.");
    }
    // 45. The input's body must be usable to be taken over.
    if ((bodyInit === undefined || bodyInit === null) && inputBody && isUnusable(inputRequest)) {
      throw new TypeError("The input request's body is already used");
    }
    // Nothing can throw after this point: the input is only now disturbed.
    if (signals.length > 0) this[kSignal] = AbortSignal.any(signals);
    this[kHeaders] = headers;
    if (bodyInit !== undefined && bodyInit !== null) {
      // 41. Extract init's body (its content type unless one was given).
      const [source, type] = extractBody(bodyInit);
      this[kSource] = source;
      if (type !== null && !headers.has("content-type")) appendTrusted(headers, "content-type", type);
      // The input's body is disturbed all the same.
      if (inputBody) disturbBody(inputRequest);
    } else if (inputBody) {
      // 45. The input's body moves to this request (the input is used).
      takeBody(inputRequest, this);
    }
  }

  /** https://fetch.spec.whatwg.org/#dom-request-isreloadnavigation */
  get isReloadNavigation() {
    return false;
  }

  /** https://fetch.spec.whatwg.org/#dom-request-ishistorynavigation */
  get isHistoryNavigation() {
    return false;
  }

  get method() {
    return this[kMethod];
  }

  get url() {
    const url = this[kUrl];
    if (url === "" && this[kServerId] !== 0) {
      return this[kUrl] = op_request_url(this[kServerId]);
    }
    return url;
  }

  get headers() {
    let headers = this[kHeaders];
    if (headers === undefined) {
      const id = this[kServerId];
      headers = this[kHeaders] = id !== 0 ? serverHeaders(id) : new Headers();
    }
    return headers;
  }

  /**
   * Bun's `req.cookies` on requests Bun.serve hands to handlers: a
   * CookieMap of the `Cookie` header(s), made on first use; changes made to
   * it are sent as `Set-Cookie` with the response. `undefined` on requests
   * the script made.
   */
  get cookies() {
    let map = this[kCookies];
    if (map === undefined) {
      if (this[kServerId] === 0) return undefined;
      // HTTP/2 may split cookies over several fields (RFC 9113 section 8.2.3).
      const values = [];
      const list = headerList(this.headers);
      for (let i = 0; i < list.length; i++) {
        if (StringPrototypeToLowerCase(list[i][0]) === "cookie") ArrayPrototypePush(values, list[i][1]);
      }
      map = this[kCookies] = new CookieMap(ArrayPrototypeJoin(values, "; "));
    }
    return map;
  }

  get signal() {
    if (this[kSignal] === undefined) {
      const controller = new AbortController();
      this[kSignal] = controller.signal;
      const id = this[kServerId];
      if (id !== 0) {
        // Abort when the client disconnects before its response was sent.
        const gone = op_request_client_gone(id);
        core.unrefOpPromise(gone);
        PromisePrototypeThen(gone, (isGone) => {
          if (isGone) {
            controller.abort(new DOMException("The client disconnected", "AbortError"));
          }
        });
      }
    }
    return this[kSignal];
  }

  get destination() {
    return "";
  }
  /** https://fetch.spec.whatwg.org/#dom-request-referrer */
  get referrer() {
    const referrer = this[kInit]?.referrer ?? "client";
    if (referrer === "no-referrer") return "";
    return referrer === "client" ? "about:client" : referrer;
  }
  get referrerPolicy() {
    return this[kInit]?.referrerPolicy ?? "";
  }
  get mode() {
    return this[kInit]?.mode ?? "cors";
  }
  get credentials() {
    return this[kInit]?.credentials ?? "same-origin";
  }
  get cache() {
    return this[kInit]?.cache ?? "default";
  }
  get redirect() {
    return this[kInit]?.redirect ?? "follow";
  }
  get integrity() {
    return this[kInit]?.integrity ?? "";
  }
  get keepalive() {
    return !!this[kInit]?.keepalive;
  }
  get duplex() {
    return "half";
  }

  /** https://fetch.spec.whatwg.org/#dom-request-clone */
  clone() {
    const copy = new Request(kServerId);
    copy[kMethod] = this[kMethod];
    copy[kUrl] = this.url;
    copy[kInit] = this[kInit];
    if (this[kBlob] !== undefined) copy[kBlob] = this[kBlob];
    copy[kHeaders] = new Headers(this.headers);
    copy[kSignal] = this[kSignal] === undefined ? undefined : AbortSignal.any([this.signal]);
    if (this.params !== undefined) copy.params = this.params;
    cloneBody(this, copy);
    return copy;
  }

  get [Symbol.toStringTag]() {
    return "Request";
  }

  [SymbolFor("Deno.privateCustomInspect")](inspect, options) {
    return `Request ${inspect({
      method: this.method,
      url: this.url,
      headers: this.headers,
    }, options)}`;
  }
}

mixinBody(Request.prototype);
export const RequestPrototype = Request.prototype;

/** The headers of a server request, read from Rust. */
function serverHeaders(id) {
  return lazyHeaders(() => {
    const flat = op_request_headers(id);
    const pairs = [];
    for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
    return pairs;
  }, "request");
}

/** A request received by Bun.serve: everything is read from Rust lazily. */
export function createServerRequest(id, methodCode) {
  const request = ObjectCreate(RequestPrototype);
  request[kServerId] = id;
  const method = methodCode === 0 ? op_request_method(id) : METHODS[methodCode];
  request[kMethod] = method;
  request[kUrl] = "";
  request[kHeaders] = undefined;
  request[kSource] = methodCode === 1 || methodCode === 2 ? null : new ServerBody(id);
  return request;
}
