// The web WebSocket client (https://websockets.spec.whatwg.org/), plus
// Bun's `new WebSocket(url, { protocols, headers, tls })`. The connection
// runs in Rust (src/client/ws.rs, src/ws); this is its EventTarget face.

import {
  op_ws_buffered,
  op_ws_client_take,
  op_ws_client_wait,
  op_ws_close,
  op_ws_connect,
  op_ws_send_binary,
  op_ws_send_text,
  op_ws_terminate,
} from "ext:core/ops";
import { trusted, webidlInterface, webScript } from "ext:rt_web/00_web.js";
import { headerList, Headers } from "ext:rt_http/22_headers.js";
import { bufferSourceBytes } from "ext:rt_http/24_body.js";
import {
  CLOSED,
  CLOSING,
  CONNECTING,
  EV_BINARY,
  EV_CLOSE,
  EV_ERROR,
  EV_OPEN,
  EV_TEXT,
  OPEN,
} from "ext:rt_ws/40_socket.js";
import { tlsOptions } from "ext:rt_http/29_fetch.js";

const {
  CloseEvent,
  defineEventHandler,
  Event,
  EventTarget,
  MessageEvent,
} = webScript("02_event");
const { DOMException } = webScript("01_dom_exception");
const { URL } = webScript("00_url");
const { Blob } = webScript("09_file");
const { TextEncoder: TextEncoderImpl } = webScript("08_text_encoding");

const encoder = new TextEncoderImpl();

const kId = Symbol("socket id");
const kState = Symbol("ready state");
const kUrl = Symbol("url");
const kProtocol = Symbol("protocol");
const kBinaryType = Symbol("binary type");
const kSentAfterClose = Symbol("bytes sent after close");
const kCloseCalled = Symbol("close called");
const kFailed = Symbol("failed");
const kPending = Symbol("pending blob sends");

/** RFC 6455 section 4.1 / RFC 2616 token characters, for subprotocol names. */
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Open client sockets by id; events are routed through it. */
const sockets = new Map();
let looping = false;

async function eventLoop() {
  looping = true;
  const out = new Uint32Array(4);
  for (;;) {
    for (;;) {
      const payload = op_ws_client_take(out);
      if (out[0] === 0) break;
      dispatch(out[0], out[1], out[2], out[3] === 1, payload);
    }
    // false: no socket is live in Rust. One made since then restarts it.
    if (!await op_ws_client_wait() && sockets.size === 0) break;
  }
  looping = false;
}

function dispatch(kind, id, code, clean, payload) {
  const ws = sockets.get(id);
  if (ws === undefined) return;
  switch (kind) {
    case EV_OPEN:
      // section 4 "establish a WebSocket connection" succeeded.
      if (ws[kState] !== CONNECTING) return;
      ws[kState] = OPEN;
      ws[kProtocol] = payload ?? "";
      ws.dispatchEvent(trusted(new Event("open")));
      break;
    case EV_TEXT:
      if (ws[kState] !== OPEN) return;
      ws.dispatchEvent(trusted(new MessageEvent("message", { data: payload, origin: origin(ws) })));
      break;
    case EV_BINARY: {
      if (ws[kState] !== OPEN) return;
      const data = ws[kBinaryType] === "arraybuffer" ? payload.buffer : new Blob([payload]);
      ws.dispatchEvent(trusted(new MessageEvent("message", { data, origin: origin(ws) })));
      break;
    }
    case EV_ERROR:
      ws[kFailed] = true;
      break;
    case EV_CLOSE:
      // section "the WebSocket connection is closed": CLOSED, then error if the
      // connection failed, then close.
      sockets.delete(id);
      ws[kState] = CLOSED;
      if (ws[kFailed] || (!clean && !ws[kCloseCalled])) {
        ws.dispatchEvent(trusted(new Event("error")));
      }
      ws.dispatchEvent(trusted(new CloseEvent("close", { wasClean: clean, code, reason: payload ?? "" })));
      break;
  }
}

function origin(ws) {
  return new URL(ws[kUrl]).origin;
}

function byteLength(data) {
  if (typeof data === "string") return encoder.encode(data).length;
  if (data instanceof Blob) return data.size;
  return data.byteLength;
}

/** https://websockets.spec.whatwg.org/#the-websocket-interface */
export class WebSocket extends EventTarget {
  constructor(url, protocols = undefined) {
    super();
    if (arguments.length === 0) {
      throw new TypeError("Failed to construct 'WebSocket': 1 argument required, but only 0 present.");
    }
    // 1-3. Parse the URL (against the page's base when there is one).
    let parsed;
    try {
      parsed = new URL(`${url}`, globalThis.location?.href);
    } catch {
      throw new DOMException(`Failed to construct 'WebSocket': The URL '${url}' is invalid.`, "SyntaxError");
    }
    // 4-5. http(s) becomes ws(s).
    if (parsed.protocol === "http:") parsed.protocol = "ws:";
    else if (parsed.protocol === "https:") parsed.protocol = "wss:";
    // 6. Only ws: and wss:.
    if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
      throw new DOMException(
        `Failed to construct 'WebSocket': The URL's scheme must be either 'http', 'https', 'ws', or 'wss'. '${parsed.protocol}' is not allowed.`,
        "SyntaxError",
      );
    }
    // 7. No fragment.
    if (parsed.hash !== "" || parsed.href.endsWith("#")) {
      throw new DOMException("Failed to construct 'WebSocket': The URL contains a fragment identifier.", "SyntaxError");
    }
    // Bun: an options object instead of protocols.
    let headers = [];
    let tls = null;
    if (
      protocols !== null && typeof protocols === "object" && !Array.isArray(protocols) &&
      typeof protocols[Symbol.iterator] !== "function"
    ) {
      const options = protocols;
      if (options.headers !== undefined) headers = headerList(new Headers(options.headers));
      tls = tlsOptions(options.tls);
      protocols = options.protocols ?? options.protocol;
    }
    // 8. A string is a one-item list.
    if (protocols === undefined || protocols === null) protocols = [];
    else if (typeof protocols === "string") protocols = [protocols];
    else protocols = Array.from(protocols, (p) => `${p}`);
    // 9. Duplicates or non-token names are a SyntaxError.
    const seen = new Set();
    for (const protocol of protocols) {
      const lower = protocol.toLowerCase();
      if (!TOKEN_RE.test(protocol) || seen.has(lower)) {
        throw new DOMException(`Failed to construct 'WebSocket': The subprotocol '${protocol}' is invalid or duplicated.`, "SyntaxError");
      }
      seen.add(lower);
    }
    this[kUrl] = parsed.href;
    this[kState] = CONNECTING;
    this[kProtocol] = "";
    this[kBinaryType] = "blob";
    this[kSentAfterClose] = 0;
    this[kCloseCalled] = false;
    this[kFailed] = false;
    this[kPending] = null;
    // 10-12. Connect in parallel.
    const id = op_ws_connect(parsed.href, protocols, headers, tls);
    this[kId] = id;
    sockets.set(id, this);
    if (!looping) eventLoop();
  }

  get url() {
    return this[kUrl];
  }

  get readyState() {
    return this[kState];
  }

  get bufferedAmount() {
    return op_ws_buffered(this[kId]) + this[kSentAfterClose];
  }

  get extensions() {
    return "";
  }

  get protocol() {
    return this[kProtocol];
  }

  get binaryType() {
    return this[kBinaryType];
  }

  set binaryType(value) {
    // An enumerated attribute: other values are ignored (Bun's
    // "nodebuffer" is taken as "arraybuffer"'s byte view).
    if (value === "blob" || value === "arraybuffer") this[kBinaryType] = value;
  }

  /** https://websockets.spec.whatwg.org/#dom-websocket-send */
  send(data) {
    if (arguments.length === 0) {
      throw new TypeError("Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present.");
    }
    // 1. Not yet open: InvalidStateError.
    if (this[kState] === CONNECTING) {
      throw new DOMException("Failed to execute 'send' on 'WebSocket': Still in CONNECTING state.", "InvalidStateError");
    }
    if (typeof data !== "string" && !(data instanceof Blob) && !(data instanceof ArrayBuffer) && !ArrayBuffer.isView(data)) {
      data = `${data}`;
    }
    // 2. Closing or closed: only bufferedAmount grows.
    if (this[kState] !== OPEN) {
      this[kSentAfterClose] += byteLength(data);
      return;
    }
    // Blobs are read asynchronously; later sends queue behind them so the
    // order holds.
    if (data instanceof Blob || this[kPending] !== null) {
      const previous = this[kPending] ?? Promise.resolve();
      const next = previous.then(async () => {
        const value = data instanceof Blob ? await data.bytes() : data;
        this.#sendNow(value);
      });
      this[kPending] = next;
      next.then(() => {
        if (this[kPending] === next) this[kPending] = null;
      });
      return;
    }
    this.#sendNow(data);
  }

  #sendNow(data) {
    if (typeof data === "string") op_ws_send_text(this[kId], data);
    else op_ws_send_binary(this[kId], bufferSourceBytes(data));
  }

  /** https://websockets.spec.whatwg.org/#dom-websocket-close */
  close(code = undefined, reason = undefined) {
    // 1. A code must be 1000 or 3000-4999.
    if (code !== undefined) {
      code = Number(code);
      if (!Number.isInteger(code) || (code !== 1000 && (code < 3000 || code > 4999))) {
        throw new DOMException(
          `Failed to execute 'close' on 'WebSocket': The close code must be either 1000, or between 3000 and 4999. Received ${code}`,
          "InvalidAccessError",
        );
      }
    }
    // 2. The reason must fit a control frame.
    const text = reason === undefined ? "" : `${reason}`;
    const size = encoder.encode(text).length;
    if (size > 123) {
      throw new DOMException(`Failed to execute 'close' on 'WebSocket': The close reason must not be greater than 123 UTF-8 bytes (got ${size} bytes).`, "SyntaxError");
    }
    // 3. Already closing or closed: nothing to do.
    if (this[kState] === CLOSING || this[kState] === CLOSED) return;
    this[kCloseCalled] = true;
    // 4. Still connecting: fail the connection.
    if (this[kState] === CONNECTING) {
      this[kState] = CLOSING;
      this[kFailed] = true;
      op_ws_terminate(this[kId]);
      return;
    }
    // 5-6. Start the closing handshake (no code: a Close without one).
    this[kState] = CLOSING;
    op_ws_close(this[kId], code ?? 0, text);
  }

  /** Bun: drops the connection without a closing handshake. */
  terminate() {
    if (this[kState] === CLOSED) return;
    this[kState] = CLOSING;
    op_ws_terminate(this[kId]);
  }

  get [Symbol.toStringTag]() {
    return "WebSocket";
  }
}

for (const [name, value] of [["CONNECTING", CONNECTING], ["OPEN", OPEN], ["CLOSING", CLOSING], ["CLOSED", CLOSED]]) {
  const descriptor = { __proto__: null, value, enumerable: true };
  Object.defineProperty(WebSocket, name, descriptor);
  Object.defineProperty(WebSocket.prototype, name, descriptor);
}
for (const name of ["open", "message", "error", "close"]) {
  defineEventHandler(WebSocket.prototype, name);
}
webidlInterface(WebSocket, (value) => value !== null && typeof value === "object" && Object.hasOwn(value, kUrl));
