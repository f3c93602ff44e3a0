// Bun's ServerWebSocket and the `websocket` handler's event loop. The
// connection, its send queue and the topics live in Rust
// (src/server/ws.rs); this is the JS face of a socket id.

import { core } from "ext:core/mod.js";
import {
  op_serve_ws_configure,
  op_serve_ws_take,
  op_serve_ws_wait,
  op_ws_buffered,
  op_ws_close,
  op_ws_control,
  op_ws_is_subscribed,
  op_ws_publish,
  op_ws_send_binary,
  op_ws_send_text,
  op_ws_subscribe,
  op_ws_subscriptions,
  op_ws_terminate,
  op_ws_unsubscribe,
} from "ext:core/ops";
import { webScript } from "ext:rt_web/00_web.js";
import { errors } from "ext:rt_web/01_errors.js";
import { bufferSourceBytes } from "ext:rt_http/24_body.js";
import {
  CLOSED,
  CLOSING,
  CONNECTING,
  EV_BINARY,
  EV_CLOSE,
  EV_DRAIN,
  EV_OPEN,
  EV_PING,
  EV_PONG,
  EV_TEXT,
  OPEN,
} from "ext:rt_ws/40_socket.js";

const kId = Symbol("socket id");
const kState = Symbol("ready state");
const kBinaryType = Symbol("binary type");
const kRemote = Symbol("remote address");

const kToSelf = Symbol("publish to self");
const kInternal = Symbol("internal");

const BINARY_TYPES = ["nodebuffer", "arraybuffer", "uint8array"];

/** Bytes of a BufferSource (copied by Rust on send). */
function toBytes(data, what) {
  const bytes = bufferSourceBytes(data);
  if (bytes === undefined) {
    throw errors.InvalidArgType(`${what} expects a string or a BufferSource`);
  }
  return bytes;
}

function checkTopic(topic, what) {
  if (typeof topic !== "string") {
    throw errors.InvalidArgType(`${what} expects a topic string`);
  }
  return topic;
}

const { TextEncoder: TextEncoderImpl } = webScript("08_text_encoding");
const encoder = new TextEncoderImpl();

/** RFC 6455 section 7.4: codes an endpoint may send. */
function checkClose(code, reason) {
  if (code !== undefined) {
    if (
      typeof code !== "number" || !Number.isInteger(code) ||
      !(code === 1000 || (code >= 1001 && code <= 1003) || (code >= 1007 && code <= 1014) ||
        (code >= 3000 && code <= 4999))
    ) {
      throw errors.InvalidArgValue(`Invalid close code ${code}: use 1000, 1001-1003, 1007-1014 or 3000-4999`);
    }
  }
  const text = reason === undefined ? "" : `${reason}`;
  if (encoder.encode(text).length > 123) {
    throw errors.InvalidArgValue("Close reason must be at most 123 bytes");
  }
  return text;
}

/** Bun's ServerWebSocket. */
export class ServerWebSocket {
  constructor(key) {
    if (key !== kInternal) throw new TypeError("Illegal constructor");
    this.data = undefined;
  }

  get readyState() {
    return this[kState];
  }

  get remoteAddress() {
    return this[kRemote];
  }

  get binaryType() {
    return this[kBinaryType];
  }

  set binaryType(value) {
    if (!BINARY_TYPES.includes(value)) {
      throw errors.InvalidArgValue(`binaryType must be one of ${BINARY_TYPES.join(", ")}`);
    }
    this[kBinaryType] = value;
  }

  /** Bytes queued, -1 when queued behind unsent data, 0 when dropped. */
  send(data, _compress) {
    if (typeof data === "string") return op_ws_send_text(this[kId], data);
    return op_ws_send_binary(this[kId], toBytes(data, "send"));
  }

  sendText(data, _compress) {
    return op_ws_send_text(this[kId], `${data}`);
  }

  sendBinary(data, _compress) {
    return op_ws_send_binary(this[kId], toBytes(data, "sendBinary"));
  }

  /** To every subscriber of `topic` but this socket (unless publishToSelf). */
  publish(topic, data, _compress) {
    checkTopic(topic, "publish");
    if (typeof data === "string") {
      return op_ws_publish(this[kId], this[kToSelf], topic, data, null);
    }
    return op_ws_publish(this[kId], this[kToSelf], topic, null, toBytes(data, "publish"));
  }

  publishText(topic, data, _compress) {
    return op_ws_publish(this[kId], this[kToSelf], checkTopic(topic, "publishText"), `${data}`, null);
  }

  publishBinary(topic, data, _compress) {
    checkTopic(topic, "publishBinary");
    return op_ws_publish(this[kId], this[kToSelf], topic, null, toBytes(data, "publishBinary"));
  }

  subscribe(topic) {
    op_ws_subscribe(this[kId], checkTopic(topic, "subscribe"));
  }

  unsubscribe(topic) {
    op_ws_unsubscribe(this[kId], checkTopic(topic, "unsubscribe"));
  }

  isSubscribed(topic) {
    return op_ws_is_subscribed(this[kId], checkTopic(topic, "isSubscribed"));
  }

  get subscriptions() {
    return op_ws_subscriptions(this[kId]);
  }

  /** Sends made in `callback` go out together (rt always batches them). */
  cork(callback) {
    if (typeof callback !== "function") {
      throw errors.InvalidArgType("cork expects a function");
    }
    return callback(this);
  }

  close(code = undefined, reason = undefined) {
    const text = checkClose(code, reason);
    if (this[kState] !== OPEN && this[kState] !== CONNECTING) return;
    this[kState] = CLOSING;
    op_ws_close(this[kId], code ?? 1000, text);
  }

  terminate() {
    if (this[kState] === CLOSED) return;
    this[kState] = CLOSING;
    op_ws_terminate(this[kId]);
  }

  ping(data = undefined) {
    return op_ws_control(this[kId], controlBytes(data), false);
  }

  pong(data = undefined) {
    return op_ws_control(this[kId], controlBytes(data), true);
  }

  getBufferedAmount() {
    return op_ws_buffered(this[kId]);
  }

  get [Symbol.toStringTag]() {
    return "ServerWebSocket";
  }
}

function controlBytes(data) {
  if (data === undefined) return new Uint8Array(0);
  return typeof data === "string" ? encoder.encode(data) : toBytes(data, "ping");
}

/** Bun's `websocket` option, checked, as Rust takes it. */
export function websocketOptions(handler) {
  if (handler === null || typeof handler !== "object") {
    throw errors.InvalidArgType("Bun.serve: websocket must be an object");
  }
  for (const name of ["open", "message", "close", "drain", "ping", "pong"]) {
    if (handler[name] !== undefined && typeof handler[name] !== "function") {
      throw errors.InvalidArgType(`Bun.serve: websocket.${name} must be a function`);
    }
  }
  const size = (name, fallback) => {
    const value = handler[name] ?? fallback;
    if (typeof value !== "number" || !(value >= 0)) {
      throw errors.InvalidArgType(`Bun.serve: websocket.${name} must be a non-negative number`);
    }
    return Math.min(value, 2 ** 31 - 1);
  };
  return {
    maxPayloadLength: size("maxPayloadLength", 16 * 1024 * 1024),
    idleTimeout: size("idleTimeout", 120),
    backpressureLimit: size("backpressureLimit", 16 * 1024 * 1024),
    closeOnBackpressureLimit: !!handler.closeOnBackpressureLimit,
    sendPings: handler.sendPings !== false,
    // Bun: `true` or `{ compress, decompress }`; either turns it on.
    perMessageDeflate: !!handler.perMessageDeflate,
  };
}

/** A server's WebSocket side: its sockets by id and its event loop. */
export class SocketHub {
  #serverId;
  #handler;
  #server;
  #sockets = new Map();
  #running = false;
  #waiting = null;
  #refed = true;

  constructor(serverId, server, handler) {
    this.#serverId = serverId;
    this.#server = server;
    this.configure(handler);
  }

  configure(handler) {
    op_serve_ws_configure(this.#serverId, websocketOptions(handler));
    this.#handler = handler;
  }

  /** Wraps a socket `upgrade()` created; events start with `open`. */
  adopt(socketId, data, remote) {
    const ws = new ServerWebSocket(kInternal);
    ws[kId] = socketId;
    ws[kState] = CONNECTING;
    ws[kBinaryType] = "nodebuffer";
    ws[kRemote] = remote;
    ws[kToSelf] = !!this.#handler.publishToSelf;
    ws.data = data;
    this.#sockets.set(socketId, ws);
    if (!this.#running) this.#run();
  }

  ref(refed) {
    this.#refed = refed;
    if (this.#waiting !== null) {
      if (refed) core.refOpPromise(this.#waiting);
      else core.unrefOpPromise(this.#waiting);
    }
  }

  async #run() {
    this.#running = true;
    const out = new Uint32Array(4);
    for (;;) {
      for (;;) {
        const payload = op_serve_ws_take(this.#serverId, out);
        if (out[0] === 0) break;
        this.#dispatch(out[0], out[1], out[2], payload);
      }
      const waiting = op_serve_ws_wait(this.#serverId);
      if (!this.#refed) core.unrefOpPromise(waiting);
      this.#waiting = waiting;
      const more = await waiting;
      this.#waiting = null;
      if (!more) break;
    }
    this.#running = false;
  }

  #dispatch(kind, id, code, payload) {
    const ws = this.#sockets.get(id);
    if (ws === undefined) return;
    const handler = this.#handler;
    try {
      switch (kind) {
        case EV_OPEN:
          if (ws[kState] === CONNECTING) ws[kState] = OPEN;
          handler.open?.(ws);
          break;
        case EV_TEXT:
          handler.message?.(ws, payload);
          break;
        case EV_BINARY:
          handler.message?.(ws, binary(ws, payload));
          break;
        case EV_DRAIN:
          handler.drain?.(ws);
          break;
        case EV_PING:
          handler.ping?.(ws, binary(ws, payload));
          break;
        case EV_PONG:
          handler.pong?.(ws, binary(ws, payload));
          break;
        case EV_CLOSE:
          ws[kState] = CLOSED;
          this.#sockets.delete(id);
          handler.close?.(ws, code, payload ?? "");
          break;
      }
    } catch (error) {
      // A throwing handler must not take the other sockets down.
      console.error(error);
    }
  }
}

function binary(ws, bytes) {
  return ws[kBinaryType] === "arraybuffer" ? bytes.buffer : bytes;
}
