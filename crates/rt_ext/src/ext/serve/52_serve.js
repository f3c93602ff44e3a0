// Bun.serve (../shared/reference/bun-api.md section 1) over the Rust server in
// src/server. Per request: one fast op hands over the id, the handler runs,
// one op sends status, headers and body back. Static routes never get here.
// The options are checked in 51_serve_options.js.

import { core, primordials } from "ext:core/mod.js";
import {
  op_rt_serve_overrides,
  op_serve_closed,
  op_serve_params,
  op_serve_peer_certificate,
  op_serve_pending,
  op_serve_pending_websockets,
  op_serve_publish,
  op_serve_reload,
  op_serve_reload_tls,
  op_serve_request_ip,
  op_serve_respond,
  op_serve_respond_bytes,
  op_serve_respond_file,
  op_serve_respond_piped,
  op_serve_respond_stream,
  op_serve_respond_text,
  op_serve_start,
  op_serve_stop,
  op_serve_stream_close,
  op_serve_stream_trailers,
  op_serve_stream_write,
  op_serve_subscriber_count,
  op_serve_take,
  op_serve_timeout,
  op_serve_upgrade,
  op_serve_wait,
} from "ext:core/ops";
import { webScript } from "ext:rt_web/00_web.js";
import { env } from "ext:rt_web/02_process.js";
import { errors } from "ext:rt_web/01_errors.js";
import { peerCertificate } from "ext:rt_http/20_certificate.js";
import { fileSource, isBunFile } from "ext:rt_http/27_file.js";
import { headerList, Headers } from "ext:rt_http/22_headers.js";
import {
  bodyStream,
  bufferSourceBytes,
  chunkToBytes,
  kServerBody,
  kSource,
  kStream,
  TEXT_TYPE,
} from "ext:rt_http/24_body.js";
import { cookieChanges } from "ext:rt_http/21_cookie.js";
import { createServerRequest, kCookies, kServerId, Request } from "ext:rt_http/25_request.js";
import { SocketHub } from "ext:rt_serve/50_server_websocket.js";
import {
  JSON_TYPE,
  kHeaders,
  kImpliedType,
  kStatus,
  kTrailers,
  kType,
  Response,
} from "ext:rt_http/26_response.js";

const {
  ArrayPrototypeSlice,
  ArrayPrototypeJoin,
  ArrayPrototypeMap,
  ArrayPrototypePush,
  ArrayPrototypeSome,
  NumberIsFinite,
  ObjectKeys,
  ObjectPrototypeIsPrototypeOf,
  PromisePrototypeThen,
  RangeError,
  StringPrototypeToLowerCase,
  SymbolAsyncDispose,
  SymbolDispose,
  TypeError,
  Uint32Array,
  Uint8Array,
} = primordials;

import {
  compileRoutes,
  errorPage,
  resolveCompression,
  resolveIdleTimeout,
  resolveMaxBody,
  resolvePort,
  resolveTls,
  stringOption,
  wireType,
} from "ext:rt_serve/51_serve_options.js";

const { URL } = webScript("00_url");
const { Blob } = webScript("09_file");
const EMPTY = new Uint8Array(0);

/** Marks a request answered by `upgrade()`. */
const kUpgraded = Symbol("upgraded");

function publishBytes(data) {
  const bytes = bufferSourceBytes(data);
  if (bytes === undefined) {
    throw errors.InvalidArgType("server.publish expects a string or a BufferSource");
  }
  return bytes;
}

function reportError(error) {
  console.error(error);
}

/** The `Server` object Bun.serve returns. */
class Server {
  #id;
  #options;
  #handlers = [];
  #fetch;
  #error;
  #development;
  #refed = true;
  #waiting = null;
  #stopped = null;
  #port;
  #hostname;
  #address;
  #unix;
  /** The `id` option (Bun's server.id), "" when not given. */
  #userId = "";
  #tls = false;
  #listening = true;
  /** The `websocket` side, when configured. */
  #ws = null;

  constructor(options, overrides) {
    if (options === null || typeof options !== "object") {
      throw errors.InvalidArgType("Bun.serve expects an options object");
    }
    const tls = resolveTls(options.tls);
    this.#setHandlers(options);
    this.#development = options.development === undefined
      ? env().NODE_ENV !== "production"
      : !!options.development;
    const routes = compileRoutes(options.routes ?? options.static, this.#handlers);
    const unix = stringOption(options.unix, "unix");
    const given = overrides?.hostname ?? stringOption(options.hostname, "hostname");
    if (unix !== undefined && given !== undefined) {
      throw errors.InvalidArgType("Cannot specify both hostname and unix");
    }
    // Without a hostname Bun listens on every interface and calls itself
    // "localhost" (server.hostname, server.url).
    const hostname = given ?? "0.0.0.0";
    const port = resolvePort(overrides?.port ?? options.port);
    const info = op_serve_start({
      hostname,
      port,
      unix: unix ?? null,
      idleTimeout: resolveIdleTimeout(options.idleTimeout),
      maxRequestBodySize: resolveMaxBody(options.maxRequestBodySize),
      hasFetch: this.#fetch !== undefined,
      routes,
      tls,
      http2: options.http2 !== false,
      compression: resolveCompression(options.compression),
      reusePort: options.reusePort === true,
    });
    this.#id = info.id;
    this.#userId = options.id === undefined || options.id === null ? "" : `${options.id}`;
    this.#options = options;
    this.#unix = unix;
    this.#tls = tls !== null;
    this.#port = info.port ?? undefined;
    this.#hostname = unix === undefined ? given ?? "localhost" : undefined;
    this.#address = info.address;
    if (options.websocket !== undefined && options.websocket !== null) {
      this.#ws = new SocketHub(this.#id, this, options.websocket);
    }
    this.#accept();
  }

  #setHandlers(options) {
    const { fetch, error } = options;
    if (fetch !== undefined && typeof fetch !== "function") {
      throw errors.InvalidArgType("Bun.serve: fetch must be a function");
    }
    if (error !== undefined && typeof error !== "function") {
      throw errors.InvalidArgType("Bun.serve: error must be a function");
    }
    const routes = options.routes ?? options.static;
    if (fetch === undefined && (routes === undefined || ObjectKeys(routes ?? {}).length === 0)) {
      throw errors.InvalidArgType("Bun.serve() needs either a fetch handler or a non-empty routes object");
    }
    this.#fetch = fetch;
    this.#error = error;
  }

  /** Takes every queued request, then waits for more, until stopped. */
  async #accept() {
    const id = this.#id;
    const out = new Uint32Array(2);
    for (;;) {
      let request;
      while ((request = op_serve_take(id, out)) !== 0) {
        this.#dispatch(request, out[0], out[1]);
      }
      const waiting = op_serve_wait(id);
      if (!this.#refed) core.unrefOpPromise(waiting);
      this.#waiting = waiting;
      if (!await waiting) break;
    }
    this.#waiting = null;
  }

  #dispatch(id, route, methodCode) {
    const req = createServerRequest(id, methodCode);
    const handler = route === 0 ? this.#fetch : this.#handlers[route - 1];
    if (route !== 0) req.params = this.#params(id);
    let result;
    try {
      result = handler.call(this, req, this);
    } catch (error) {
      this.#failed(id, req, error);
      return;
    }
    if (result !== null && typeof result === "object" && typeof result.then === "function" &&
      !ObjectPrototypeIsPrototypeOf(Response.prototype, result)) {
      PromisePrototypeThen(
        result,
        (response) => this.#send(id, req, response),
        (error) => this.#failed(id, req, error),
      );
    } else {
      this.#send(id, req, result);
    }
  }

  #params(id) {
    const flat = op_serve_params(id);
    const params = {};
    for (let i = 0; i < flat.length; i += 2) params[flat[i]] = flat[i + 1];
    return params;
  }

  /** A handler threw or rejected: `error()`, else Bun's default 500. */
  #failed(id, req, error) {
    if (this.#error !== undefined) {
      let result;
      try {
        result = this.#error.call(this, error);
      } catch (inner) {
        this.#defaultError(id, inner);
        return;
      }
      if (result !== null && typeof result === "object" && typeof result.then === "function") {
        PromisePrototypeThen(
          result,
          (response) => this.#afterError(id, error, response),
          (inner) => this.#defaultError(id, inner),
        );
        return;
      }
      this.#afterError(id, error, result);
      return;
    }
    this.#defaultError(id, error);
  }

  #afterError(id, error, response) {
    if (ObjectPrototypeIsPrototypeOf(Response.prototype, response)) {
      this.#write(id, response, (inner) => this.#defaultError(id, inner));
    } else {
      this.#defaultError(id, error);
    }
  }

  #defaultError(id, error) {
    reportError(error);
    if (this.#development) {
      this.#write(id, errorPage(error));
    } else {
      op_serve_respond_text(id, 500, "Internal Server Error", 1);
    }
  }

  #send(id, req, response) {
    // Upgraded: the 101 was the answer.
    if (req[kUpgraded] === true) return;
    if (!ObjectPrototypeIsPrototypeOf(Response.prototype, response)) {
      // A handler bug, handled as one: `error()` gets the TypeError, else
      // the default 500 (logged). Bun answers 200 with a welcome text here;
      // rt differs on purpose (README).
      const kind = response === null ? "null" : typeof response;
      this.#failed(id, req, new TypeError(`Expected a Response object, but received '${kind}'`));
      return;
    }
    // Changes to `req.cookies` go out as Set-Cookie, as in Bun.
    const cookies = req[kCookies];
    this.#write(id, response, undefined, cookies === undefined ? null : cookieChanges(cookies));
  }

  /**
   * Sends a Response: one op for complete bodies, a pump for streams, Rust
   * for files. A file that cannot be opened goes to `error()` (or,
   * for the error handler's own Response, to the default 500).
   */
  #write(id, response, failed = (error) => this.#failed(id, null, error), setCookies = null) {
    try {
      const opening = writeResponse(id, response, setCookies);
      if (opening !== undefined) PromisePrototypeThen(opening, undefined, failed);
    } catch (error) {
      // An invalid header or status from the script's Response.
      failed(error);
    }
  }

  get port() {
    return this.#port;
  }

  get hostname() {
    return this.#hostname;
  }

  get protocol() {
    if (this.#unix !== undefined) return null;
    return this.#tls ? "https" : "http";
  }

  get address() {
    if (this.#unix !== undefined) return this.#unix;
    const family = this.#address?.includes(":") ? "IPv6" : "IPv4";
    return { address: this.#address, port: this.#port, family };
  }

  get url() {
    if (this.#unix !== undefined) return new URL(`unix://${this.#unix}`);
    const host = this.#hostname === "0.0.0.0" || this.#hostname === "::"
      ? "localhost"
      : this.#hostname.includes(":") && !this.#hostname.startsWith("[")
      ? `[${this.#hostname}]`
      : this.#hostname;
    return new URL(`${this.#tls ? "https" : "http"}://${host}:${this.#port}/`);
  }

  get development() {
    return this.#development;
  }

  get id() {
    return this.#userId;
  }

  get pendingRequests() {
    return op_serve_pending(this.#id);
  }

  get pendingWebSockets() {
    return this.#ws === null ? 0 : op_serve_pending_websockets(this.#id);
  }

  /** The client's address, or null (unix socket, or the request is done). */
  requestIP(req) {
    const id = req?.[kServerId];
    if (!id) return null;
    const ip = op_serve_request_ip(id);
    return ip === null ? null : { address: ip[0], port: ip[1], family: ip[2] };
  }

  /**
   * rt's extension for `tls.requestCert`: the certificate the client of
   * `req` presented, in Node's PeerCertificate shape plus `authorized`
   * (whether it chains to `tls.ca`; always true unless
   * `rejectUnauthorized: false`), or null when it sent none.
   */
  peerCertificate(req) {
    const id = req?.[kServerId];
    if (!id) return null;
    const info = op_serve_peer_certificate(id);
    if (info === null) return null;
    const cert = peerCertificate(info);
    cert.authorized = info.authorized;
    return cert;
  }

  /** Per-request idle timeout in seconds (0 disables). */
  timeout(req, seconds) {
    if (typeof seconds !== "number" || seconds < 0 || !NumberIsFinite(seconds)) {
      throw new RangeError("server.timeout: seconds must be a non-negative number");
    }
    const id = req?.[kServerId];
    if (!id) {
      throw new TypeError("server.timeout: expected a request received by this server");
    }
    op_serve_timeout(id, seconds);
  }

  /**
   * Answers `req` with 101 Switching Protocols and hands the connection to
   * the `websocket` handler; false when `req` is not a WebSocket handshake.
   */
  upgrade(req, options = undefined) {
    if (this.#ws === null) {
      throw errors.NoWebSocketHandler('To enable websocket support, set the "websocket" object in Bun.serve({})');
    }
    const id = req?.[kServerId];
    if (!id) {
      throw errors.InvalidArgType("server.upgrade expects a Request received by this server");
    }
    const headers = options?.headers === undefined ? [] : headerList(new Headers(options.headers));
    const ip = op_serve_request_ip(id);
    const socket = op_serve_upgrade(id, headers);
    if (socket === 0) return false;
    req[kUpgraded] = true;
    this.#ws.adopt(socket, options?.data, ip === null ? "" : ip[0]);
    return true;
  }

  /** Sends to every socket subscribed to `topic`, natively. */
  publish(topic, data, _compress) {
    if (typeof topic !== "string") {
      throw errors.InvalidArgType("server.publish expects a topic string");
    }
    if (this.#ws === null) return 0;
    if (typeof data === "string") return op_serve_publish(this.#id, topic, data, null);
    return op_serve_publish(this.#id, topic, null, publishBytes(data));
  }

  /** Sockets subscribed to `topic`. */
  subscriberCount(topic) {
    if (typeof topic !== "string") {
      throw errors.InvalidArgType("server.subscriberCount expects a topic string");
    }
    return this.#ws === null ? 0 : op_serve_subscriber_count(this.#id, topic);
  }

  /** Stops listening; resolves when every connection has closed. */
  stop(closeActiveConnections = false) {
    if (this.#stopped === null) {
      this.#listening = false;
      op_serve_stop(this.#id, !!closeActiveConnections);
      this.#stopped = op_serve_closed(this.#id);
    } else if (closeActiveConnections) {
      op_serve_stop(this.#id, true);
    }
    return this.#stopped;
  }

  /** Swaps fetch, error and routes; other options are ignored, as in Bun. */
  reload(options) {
    if (options === null || typeof options !== "object") {
      throw errors.InvalidArgType("server.reload expects an options object");
    }
    // Certificates are swapped for new handshakes; Bun ignores `tls` here.
    if (options.tls !== undefined && options.tls !== this.#options.tls) {
      const tls = resolveTls(options.tls);
      if (tls !== null) op_serve_reload_tls(this.#id, tls, (options.http2 ?? this.#options.http2) !== false);
    }
    const merged = { ...this.#options, ...options };
    // Bun checks the options as it would for a new server; the listener
    // itself stays where it is.
    if (options.port !== undefined) resolvePort(options.port);
    const handlers = [];
    const routes = compileRoutes(merged.routes ?? merged.static, handlers);
    this.#setHandlers(merged);
    op_serve_reload(this.#id, routes, this.#fetch !== undefined);
    if (merged.websocket !== undefined && merged.websocket !== null) {
      if (this.#ws === null) this.#ws = new SocketHub(this.#id, this, merged.websocket);
      else this.#ws.configure(merged.websocket);
    }
    this.#handlers = handlers;
    this.#options = merged;
    return this;
  }

  /** Calls the fetch handler directly. */
  fetch(input, init = undefined) {
    if (this.#fetch === undefined) {
      throw new TypeError("fetch() requires the server to have a fetch handler");
    }
    const req = ObjectPrototypeIsPrototypeOf(Request.prototype, input) && init === undefined
      ? input
      : new Request(input, init);
    return this.#fetch.call(this, req, this);
  }

  ref() {
    this.#refed = true;
    if (this.#waiting !== null) core.refOpPromise(this.#waiting);
    this.#ws?.ref(true);
  }

  unref() {
    this.#refed = false;
    if (this.#waiting !== null) core.unrefOpPromise(this.#waiting);
    this.#ws?.ref(false);
  }

  [SymbolDispose]() {
    if (this.#listening) this.stop(true);
  }

  [SymbolAsyncDispose]() {
    return this.#listening ? this.stop(true) : Promise.resolve();
  }

  get [Symbol.toStringTag]() {
    return "Server";
  }
}

/** Content type codes the fast path sends to Rust. */
const TEXT_CODE = 1;
const JSON_CODE = 2;

/**
 * Sends a Response for request `id`. Returns a promise only for a file body
 * (rejecting when the file cannot be opened).
 */
export function writeResponse(id, response, setCookies = null) {
  let status = response[kStatus];
  if (response[kType] === "error") status = 500;
  const source = response[kSource];
  const headers = response[kHeaders];
  const trailers = response[kTrailers];
  // The fast path: a string body and no Headers object built.
  if (headers === undefined && typeof source === "string" && response[kStream] === undefined &&
    trailers === undefined && setCookies === null) {
    const implied = response[kImpliedType];
    const code = implied === TEXT_TYPE ? TEXT_CODE : implied === JSON_TYPE ? JSON_CODE : 0;
    if (code !== 0 || implied === null) {
      op_serve_respond_text(id, status, source, code);
      return;
    }
  }
  let list = headers === undefined ? [] : headerList(headers);
  if (headers === undefined && response[kImpliedType] !== null) {
    ArrayPrototypePush(list, ["content-type", wireType(response[kImpliedType])]);
  }
  if (setCookies !== null) {
    // A copy: the Response's own headers stay as the script made them.
    if (headers !== undefined) list = ArrayPrototypeSlice(list);
    for (let i = 0; i < setCookies.length; i++) ArrayPrototypePush(list, ["set-cookie", setCookies[i]]);
  }
  if (trailers !== undefined) {
    // Trailers go after a chunked (or HTTP/2) body. HTTP/1.1 sends only the
    // fields a `Trailer` header names, so fixed trailers name themselves.
    let fixed = null;
    if (typeof trailers !== "function" && !isThenable(trailers)) {
      fixed = headerList(new Headers(trailers));
      if (!ArrayPrototypeSome(list, (pair) => StringPrototypeToLowerCase(pair[0]) === "trailer") && fixed.length > 0) {
        ArrayPrototypePush(list, ["trailer", ArrayPrototypeJoin(ArrayPrototypeMap(fixed, (pair) => pair[0]), ", ")]);
      }
    }
    const fields = fixed === null ? () => trailerList(trailers) : () => fixed;
    pump(op_serve_respond_stream(id, status, list), bodyStream(response), fields);
    return;
  }
  if (response[kStream] === undefined) {
    if (typeof source === "string") {
      op_serve_respond(id, status, list, source);
      return;
    }
    if (source === null || source instanceof Uint8Array) {
      op_serve_respond_bytes(id, status, list, source ?? EMPTY);
      return;
    }
    if (isBunFile(source)) {
      // Sent from Rust; the promise rejects if the file cannot be opened.
      const { path, start, end } = fileSource(source);
      return op_serve_respond_file(id, status, list, path, start, end);
    }
    if (ObjectPrototypeIsPrototypeOf(Blob.prototype, source)) {
      PromisePrototypeThen(source.bytes(), (bytes) => op_serve_respond_bytes(id, status, list, bytes));
      return;
    }
  }
  // A request's body sent back unread (echo, proxy): the response body is
  // the request body itself, streamed by Rust without entering JS. The
  // request's record would otherwise go with the response, body and all.
  if (response[kStream] === undefined && source !== null && typeof source === "object" &&
    source[kServerBody] !== undefined && !source.locked) {
    op_serve_respond_piped(id, status, list, source[kServerBody]);
    return;
  }
  pump(op_serve_respond_stream(id, status, list), bodyStream(response));
}

/**
 * Copies a ReadableStream to a streamed response, then (with `trailers`, a
 * function giving the field list) the trailers. Each write waits for the
 * socket (bounded queue in Rust), so a slow client slows the producer; a
 * client that leaves cancels the stream.
 */
async function pump(stream, body, trailers = undefined) {
  if (body === null && trailers === undefined) {
    op_serve_stream_close(stream, null);
    return;
  }
  const reader = body?.getReader();
  try {
    let connected = true;
    while (reader !== undefined) {
      const { value, done } = await reader.read();
      if (done) break;
      const bytes = chunkToBytes(value);
      if (bytes.byteLength === 0) continue;
      if (!await op_serve_stream_write(stream, bytes)) {
        connected = false;
        await reader.cancel(new TypeError("The client disconnected"));
        break;
      }
    }
    if (trailers !== undefined && connected) {
      await op_serve_stream_trailers(stream, await trailers());
    }
    op_serve_stream_close(stream, null);
  } catch (error) {
    reportError(error);
    op_serve_stream_close(stream, `${error?.message ?? error}`);
  }
}

function isThenable(value) {
  return value !== null && typeof value === "object" && typeof value.then === "function";
}

/** The trailer fields a function or promise gives, once the body is sent. */
async function trailerList(trailers) {
  const value = typeof trailers === "function" ? await trailers() : await trailers;
  return value === undefined || value === null ? [] : headerList(new Headers(value));
}

/** Bun.serve(options). */
export function serve(options) {
  const overrides = op_rt_serve_overrides();
  const server = new Server(options, overrides);
  if (overrides?.announce) {
    core.print(`Listening on ${server.url.href}\n`, true);
  }
  return server;
}

/** Bun's test for a default export to serve (src/bundler/entry_points). */
function isServerConfig(value) {
  return value !== null && typeof value === "object" && value !== globalThis &&
    (typeof value.fetch === "function" || value.app !== undefined || value.routes !== undefined) &&
    typeof value.stop !== "function";
}

/** Serves the main module's default export when it is a server config. */
export function installAutoServe() {
  core.addMainModuleHandler((namespace) => {
    const config = namespace?.default;
    if (!isServerConfig(config)) return;
    try {
      serve(config);
    } catch (error) {
      core.reportUnhandledException(error);
    }
  });
}
