// fetch (https://fetch.spec.whatwg.org/#fetch-method) over the pooled Rust
// client in src/client, with Bun's extras: `decompress`, `timeout`,
// `verbose`, and `data:` URLs.

import { core, primordials } from "ext:core/mod.js";
import {
  op_fetch_abort,
  op_fetch_get,
  op_fetch_identity_next,
  op_fetch_identity_reply,
  op_fetch_send,
  op_fetch_set_defaults,
  op_fetch_start,
  op_fetch_upload,
  op_fetch_upload_end,
} from "ext:core/ops";
import { webScript } from "ext:rt_web/00_web.js";
import { BUN_VERSION } from "ext:rt_web/02_process.js";
import { peerCertificate } from "ext:rt_http/20_certificate.js";
import { bunFileTextSync, isBunFile } from "ext:rt_http/27_file.js";
import { headerList, headersFromList } from "ext:rt_http/22_headers.js";
import {
  bodyStream,
  chunkToBytes,
  FetchBody,
  kSource,
  kStream,
} from "ext:rt_http/24_body.js";
import { kSignal, Request } from "ext:rt_http/25_request.js";
import { fetchLocal, isLocalScheme } from "ext:rt_http/28_scheme_fetch.js";
import {
  kHeaders,
  kImpliedType,
  kStatus,
  kStatusText,
  kType,
  kUrlList,
  Response,
} from "ext:rt_http/26_response.js";
import { errors } from "ext:rt_web/01_errors.js";

const {
  ObjectCreate,
  ObjectPrototypeIsPrototypeOf,
  Promise,
  PromisePrototypeThen,
  PromiseReject,
  TypeError,
  Uint8Array,
} = primordials;

const { Blob } = webScript("09_file");
const { ReadableStream } = webScript("06_streams");
const { URL } = webScript("00_url");
const { AbortSignal } = webScript("03_abort_signal");
const { DOMException } = webScript("01_dom_exception");
const { TextEncoder: TextEncoderImpl } = webScript("08_text_encoding");

const encoder = new TextEncoderImpl();

/** Headers Bun sends unless the request sets them. */
const DEFAULTS = [
  ["accept", "*/*"],
  ["accept-encoding", "gzip, deflate, br, zstd"],
  ["user-agent", `Bun/${BUN_VERSION}`],
];

function abortReason(signal) {
  return signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
}

/** Bun's `tls` fetch option, as the Rust client takes it. */
export function tlsOptions(tls) {
  if (tls === undefined || tls === null) return null;
  if (typeof tls !== "object") throw new TypeError("fetch: tls must be an object");
  const pem = (value) => {
    if (value === undefined || value === null) return [];
    const list = Array.isArray(value) ? value : [value];
    return list.map((v) => {
      if (typeof v === "string") return v;
      // Bun reads a Bun.file() given as a certificate when the request is made.
      if (isBunFile(v)) return bunFileTextSync(v, "fetch: tls");
      return new TextDecoder().decode(v);
    });
  };
  return {
    rejectUnauthorized: tls.rejectUnauthorized === undefined ? null : !!tls.rejectUnauthorized,
    ca: pem(tls.ca),
    cert: pem(tls.cert)[0] ?? null,
    key: pem(tls.key)[0] ?? null,
    serverName: typeof tls.serverName === "string" ? tls.serverName : null,
    checkServerIdentity: checkIdentityOption(tls) !== undefined,
  };
}

function checkIdentityOption(tls) {
  const check = tls?.checkServerIdentity;
  if (check === undefined || check === null) return undefined;
  if (typeof check !== "function") {
    throw new TypeError("fetch: tls.checkServerIdentity must be a function");
  }
  return check;
}

/**
 * Runs the script's `checkServerIdentity` for each new TLS connection of
 * fetch `id` (Rust holds the connection until the verdict). Resolves with
 * the error the script refused with, if it did.
 */
async function checkIdentities(id, check) {
  for (;;) {
    const next = op_fetch_identity_next(id);
    // A fetch whose body is never read must not keep the process alive.
    core.unrefOpPromise(next);
    const info = await next;
    if (info === null) return undefined;
    let refusal;
    try {
      refusal = check(info.host, peerCertificate(info));
    } catch (error) {
      refusal = error;
    }
    if (refusal !== undefined && refusal !== null) {
      op_fetch_identity_reply(id, `${refusal?.message ?? refusal}`);
      return refusal;
    }
    op_fetch_identity_reply(id, null);
  }
}

/** Network failures: a TypeError with Bun's `.code`, and a `cause` saying what happened. */
function networkError(error) {
  if (typeof error?.code === "string" && error.cause === undefined) {
    const cause = new Error(error.message);
    cause.code = error.code;
    error.cause = cause;
  }
  return error;
}

/** The request body as bytes, or a stream to upload, or null. */
async function requestBody(request) {
  const stream = request[kStream];
  const source = request[kSource];
  if (source === null && stream === undefined) return null;
  if (stream === undefined) {
    if (typeof source === "string") return encoder.encode(source);
    if (source instanceof Uint8Array) return source;
    if (ObjectPrototypeIsPrototypeOf(Blob.prototype, source)) return await source.bytes();
  }
  return bodyStream(request);
}

/** Uploads a ReadableStream body chunk by chunk (backpressure from Rust). */
async function upload(id, stream) {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!await op_fetch_upload(id, chunkToBytes(value))) {
        await reader.cancel();
        return;
      }
    }
    op_fetch_upload_end(id, null);
  } catch (error) {
    op_fetch_upload_end(id, `${error?.message ?? error}`);
  }
}

/** fetch(input, init). */
export function fetch(input, init = undefined) {
  // The common `fetch(url)`: no Request object, the URL is parsed in Rust
  // (the url crate follows the WHATWG URL standard).
  if (
    typeof input === "string" && init === undefined && !isLocalScheme(input) &&
    globalThis.location === undefined
  ) {
    return sendSimple(input);
  }
  return new Promise((resolve, reject) => {
    let request;
    try {
      request = new Request(input, init);
    } catch (error) {
      reject(error);
      return;
    }
    // Bun's `timeout` (ms) is one more abort signal.
    let signal = request[kSignal];
    if (typeof init?.timeout === "number" && init.timeout > 0) {
      const timeout = AbortSignal.timeout(init.timeout);
      signal = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    }
    if (signal?.aborted) {
      // https://fetch.spec.whatwg.org/#abort-fetch: a readable request body
      // is cancelled with the reason the call rejects with.
      const reason = abortReason(signal);
      const body = request[kSource];
      if (ObjectPrototypeIsPrototypeOf(ReadableStream.prototype, body) && !body.locked) {
        PromisePrototypeThen(body.cancel(reason), undefined, () => {});
      }
      reject(reason);
      return;
    }
    // data: and blob: are answered here, without the network.
    if (isLocalScheme(request.url)) {
      try {
        resolve(fetchLocal(request));
      } catch (error) {
        reject(error);
      }
      return;
    }
    PromisePrototypeThen(
      send(request, init, signal),
      resolve,
      reject,
    );
  });
}

let defaultsSent = false;

/** `fetch(url)`: no Request, no async function frame. */
function sendSimple(url) {
  if (!defaultsSent) {
    op_fetch_set_defaults(DEFAULTS);
    defaultsSent = true;
  }
  let id;
  try {
    id = op_fetch_get(url);
  } catch (error) {
    return PromiseReject(error);
  }
  return PromisePrototypeThen(
    op_fetch_send(id, true),
    (head) => makeResponse(head, id, "GET", undefined, undefined),
    rejectNetworkError,
  );
}

function rejectNetworkError(error) {
  throw networkError(error);
}

/** A Response for a received head; the body stays in Rust until read. */
function makeResponse(head, id, method, signal, onAbort) {
  const response = ObjectCreate(Response.prototype);
  // [status, statusText, headers, urlList, whole body or null]
  const status = head[0];
  response[kStatus] = status;
  response[kStatusText] = head[1];
  response[kHeaders] = headersFromList(head[2], "immutable");
  response[kImpliedType] = null;
  response[kUrlList] = head[3];
  // A page's fetches are "basic" (same origin) or "cors" responses; a
  // script has no origin, and its responses stay "default", as in Bun.
  const location = globalThis.location;
  if (location !== undefined) {
    const urls = head[3];
    const final = urls.length === 0 ? "" : urls[urls.length - 1];
    response[kType] = originOf(final) === location.origin ? "basic" : "cors";
  }
  // https://fetch.spec.whatwg.org/#null-body-status
  const nullBody = method === "HEAD" || status === 204 || status === 205 || status === 304;
  if (nullBody) {
    op_fetch_abort(id);
    signal?.removeEventListener("abort", onAbort);
    response[kSource] = null;
  } else {
    response[kSource] = new FetchBody(id, signal, onAbort, head[4]);
  }
  return response;
}

function originOf(url) {
  try {
    return new URL(url).origin;
  } catch {
    return "null";
  }
}

/** Bun's `maxRedirects`: a non-negative integer, or the default (20). */
function maxRedirectsOption(value) {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    const error = errors.InvalidArgType(`fetch: maxRedirects must be a non-negative integer, got ${value}`);
    throw error;
  }
  return value;
}

async function send(request, init, signal) {
  const list = headerList(request.headers);
  const headers = [];
  const present = { __proto__: null };
  for (let i = 0; i < list.length; i++) {
    headers.push([list[i][0], list[i][1]]);
    present[list[i][0]] = true;
  }
  for (let i = 0; i < DEFAULTS.length; i++) {
    if (present[DEFAULTS[i][0]] === undefined) headers.push(DEFAULTS[i]);
  }
  const body = await requestBody(request);
  // The signal may have fired while the body was gathered (an abort() just
  // after fetch() lands here): nothing has been sent yet.
  if (signal?.aborted) throw abortReason(signal);
  const streamed = body !== null && !(body instanceof Uint8Array);
  const id = op_fetch_start({
    method: request.method,
    url: request.url,
    headers,
    redirect: request.redirect,
    maxRedirects: maxRedirectsOption(init?.maxRedirects),
    decompress: init?.decompress !== false,
    streamBody: streamed,
    tls: tlsOptions(init?.tls),
    protocol: typeof init?.protocol === "string" ? init.protocol : null,
    keepalive: init?.keepalive !== false,
    unix: typeof init?.unix === "string" ? init.unix : null,
    proxy: typeof init?.proxy === "string" ? init.proxy : init?.proxy?.url ?? null,
  }, streamed ? null : body);
  if (init?.verbose) core.print(`[fetch] > ${request.method} ${request.url}\n`, true);
  let aborted = false;
  const onAbort = () => {
    aborted = true;
    op_fetch_abort(id);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  if (streamed) upload(id, body);
  const check = checkIdentityOption(init?.tls);
  let refusal;
  if (check !== undefined) {
    PromisePrototypeThen(checkIdentities(id, check), (error) => {
      refusal = error;
    });
  }
  let head;
  try {
    // With a signal the body stays abortable, so it is never taken early.
    head = await op_fetch_send(id, signal === undefined);
  } catch (error) {
    signal?.removeEventListener("abort", onAbort);
    if (aborted) throw abortReason(signal);
    // The script's own refusal is the error, as in Node.
    if (refusal !== undefined) throw refusal;
    throw networkError(error);
  }
  if (init?.verbose) core.print(`[fetch] < ${head[0]} ${head[1]}\n`, true);
  return makeResponse(head, id, request.method, signal, onAbort);
}

