// node:net: TCP and Unix-domain sockets: createServer/listen, connect,
// Socket with data/end/close/error/drain/timeout events, write/end/destroy,
// pause/resume, setNoDelay/setKeepAlive/setTimeout, ref/unref. The socket
// work is Rust's (src/net); each read is one op that hands over a Buffer.
// Socket is an EventEmitter with the Duplex methods clients use, not a
// full node:stream Duplex (rt has no node:stream yet).

import { core } from "ext:core/mod.js";
import {
  op_net_accept,
  op_net_close,
  op_net_connect,
  op_net_listen,
  op_net_read,
  op_net_set_keepalive,
  op_net_set_nodelay,
  op_net_shutdown,
  op_net_write,
} from "ext:core/ops";
import { EventEmitter } from "node:events";
import { Buffer } from "node:buffer";
import { errors, invalidArgType } from "ext:rt_web/01_errors.js";

const HIGH_WATER_MARK = 16 * 1024;
const streams = core.createLazyLoader("node:stream");
const kState = Symbol("kState");

function nextTick(fn, ...args) {
  queueMicrotask(() => fn(...args));
}

function toBuffer(data, encoding) {
  if (typeof data === "string") return Buffer.from(data, encoding ?? "utf8");
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw invalidArgType("chunk", "of type string or an instance of Buffer, TypedArray, or DataView", data);
}

/** (port, host, cb) | (options, cb) | (path, cb) -> [options, cb]. */
function normalizeConnectArgs(args) {
  let [first, second, third] = args;
  let options;
  if (first !== null && typeof first === "object") {
    options = { ...first };
    third = second;
  } else if (typeof first === "string" && Number.isNaN(Number(first))) {
    options = { path: first };
    third = second;
  } else {
    options = { port: first };
    if (typeof second === "string") options.host = second;
    else third = second;
  }
  const cb = typeof third === "function" ? third : typeof second === "function" ? second : undefined;
  return [options, cb];
}

function validatePort(port) {
  const n = typeof port === "string" && port.trim() !== "" ? Number(port) : port;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 65535) {
    const err = errors.SocketBadPort(`Port should be >= 0 and < 65536. Received ${typeof port === "string" ? `type string ('${port}')` : port}.`);
    throw err;
  }
  return n;
}

class Socket extends EventEmitter {
  constructor(options = {}) {
    super();
    this[kState] = {
      rid: null,
      paused: true,
      reading: false,
      pendingData: [],
      pendingWrites: [],
      writableLength: 0,
      needDrain: false,
      ended: false, // our side called end()
      readEnded: false, // the peer's end arrived
      encoding: null,
      timeout: 0,
      timer: null,
      refed: true,
      readPromise: null,
    };
    this.allowHalfOpen = !!options.allowHalfOpen;
    this.connecting = false;
    this.destroyed = false;
    this.readable = true;
    this.writable = true;
    this.bytesRead = 0;
    this._bytesWritten = 0;
    this.remoteAddress = undefined;
    this.remotePort = undefined;
    this.remoteFamily = undefined;
    this.localAddress = undefined;
    this.localPort = undefined;
  }

  get bytesWritten() {
    return this._bytesWritten;
  }

  get pending() {
    return this[kState].rid === null;
  }

  get readyState() {
    if (this.connecting) return "opening";
    if (this.readable && this.writable) return "open";
    if (this.readable && !this.writable) return "readOnly";
    if (!this.readable && this.writable) return "writeOnly";
    return "closed";
  }

  get writableLength() {
    return this[kState].writableLength;
  }

  get writableNeedDrain() {
    return this[kState].needDrain;
  }

  get readableLength() {
    return this[kState].pendingData.reduce((n, c) => n + c.length, 0);
  }

  get writableEnded() {
    return this[kState].ended;
  }

  get readableEnded() {
    return this[kState].readEnded;
  }

  on(event, listener) {
    super.on(event, listener);
    // As a Readable: a 'data' listener switches to flowing mode.
    if (event === "data" && this[kState].paused && !this[kState].explicitPause) this.resume();
    return this;
  }

  addListener(event, listener) {
    return this.on(event, listener);
  }

  connect(...args) {
    const [options, cb] = normalizeConnectArgs(args);
    if (cb) this.once("connect", cb);
    const path = options.path;
    const host = options.host ?? "localhost";
    const port = path === undefined ? validatePort(options.port) : 0;
    this.connecting = true;
    const promise = op_net_connect(host, port, path ?? null);
    if (!this[kState].refed) core.unrefOpPromise(promise);
    promise.then(
      (opened) => {
        if (this.destroyed) {
          op_net_close(opened.rid);
          return;
        }
        this._attach(opened);
        this.connecting = false;
        this.emit("connect");
        this.emit("ready");
        this._flushWrites();
      },
      (error) => {
        this.connecting = false;
        this.destroy(error);
      },
    );
    return this;
  }

  /** Takes over an accepted or connected resource. */
  _attach(opened) {
    const state = this[kState];
    state.rid = opened.rid;
    this.remoteAddress = opened.remote?.address;
    this.remotePort = opened.remote?.port || undefined;
    this.remoteFamily = opened.remote?.family;
    this.localAddress = opened.local?.address;
    this.localPort = opened.local?.port || undefined;
    // Read at once, as Node does: data waits in the buffer (up to the
    // high-water mark) until someone listens, and the peer's end is seen
    // even by a socket nobody reads from.
    this._read();
    this._touch();
  }

  _read() {
    const state = this[kState];
    if (state.reading || state.rid === null || this.destroyed || state.readEnded) return;
    state.reading = true;
    const loop = async () => {
      while (!this.destroyed) {
        let chunk;
        try {
          state.readPromise = op_net_read(state.rid);
          if (!state.refed) core.unrefOpPromise(state.readPromise);
          chunk = await state.readPromise;
          state.readPromise = null;
        } catch (error) {
          state.reading = false;
          this.destroy(error);
          return;
        }
        if (this.destroyed) break;
        if (chunk.length === 0) {
          state.reading = false;
          this._onEnd();
          return;
        }
        this.bytesRead += chunk.length;
        this._touch();
        const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (state.paused) {
          state.pendingData.push(buf);
          // Backpressure: stop reading once a paused socket holds enough.
          if (this.readableLength >= HIGH_WATER_MARK) break;
          continue;
        }
        this._emitData(buf);
      }
      state.reading = false;
    };
    loop();
  }

  _emitData(buf) {
    const enc = this[kState].encoding;
    this.emit("data", enc ? buf.toString(enc) : buf);
  }

  _onEnd() {
    const state = this[kState];
    state.readEnded = true;
    this.readable = false;
    const finish = () => {
      this.emit("end");
      if (!this.allowHalfOpen && !state.ended) this.end();
      else if (state.ended) this._maybeClose();
    };
    if (state.paused && state.pendingData.length) state.onDrainedData = finish;
    else finish();
  }

  pause() {
    this[kState].paused = true;
    this[kState].explicitPause = true;
    return this;
  }

  resume() {
    const state = this[kState];
    state.paused = false;
    state.explicitPause = false;
    // As in Node, buffered data flows on a later tick, not inside resume().
    nextTick(() => {
      while (state.pendingData.length && !state.paused) this._emitData(state.pendingData.shift());
      if (!state.pendingData.length && state.onDrainedData) {
        const f = state.onDrainedData;
        state.onDrainedData = null;
        f();
      }
      if (!state.paused) this._read();
    });
    return this;
  }

  isPaused() {
    return this[kState].paused;
  }

  setEncoding(encoding) {
    this[kState].encoding = encoding;
    return this;
  }

  write(data, encoding, cb) {
    if (typeof encoding === "function") {
      cb = encoding;
      encoding = undefined;
    }
    const state = this[kState];
    if (state.ended || this.destroyed) {
      const err = this.destroyed
        ? errors.StreamDestroyed("Cannot call write after a stream was destroyed")
        : errors.StreamWriteAfterEnd("write after end");
      nextTick(() => {
        cb?.(err);
        this.emit("error", err);
      });
      return false;
    }
    const bytes = toBuffer(data, encoding);
    state.writableLength += bytes.length;
    state.pendingWrites.push({ bytes, cb });
    if (state.rid !== null && state.pendingWrites.length === 1) this._flushWrites();
    const ok = state.writableLength < HIGH_WATER_MARK;
    if (!ok) state.needDrain = true;
    return ok;
  }

  async _flushWrites() {
    const state = this[kState];
    if (state.writing || state.rid === null) return;
    state.writing = true;
    while (state.pendingWrites.length && !this.destroyed) {
      const { bytes, cb } = state.pendingWrites[0];
      try {
        const promise = op_net_write(state.rid, bytes);
        if (!state.refed) core.unrefOpPromise(promise);
        await promise;
      } catch (error) {
        state.writing = false;
        cb?.(error);
        this.destroy(error);
        return;
      }
      state.pendingWrites.shift();
      state.writableLength -= bytes.length;
      this._bytesWritten += bytes.length;
      this._touch();
      cb?.();
    }
    state.writing = false;
    if (state.needDrain && state.writableLength === 0 && !this.destroyed) {
      state.needDrain = false;
      this.emit("drain");
    }
    if (state.ended && state.pendingWrites.length === 0) this._shutdown();
  }

  end(data, encoding, cb) {
    if (typeof data === "function") {
      cb = data;
      data = undefined;
    } else if (typeof encoding === "function") {
      cb = encoding;
      encoding = undefined;
    }
    const state = this[kState];
    if (data !== undefined && data !== null) this.write(data, encoding);
    if (cb) this.once("finish", cb);
    if (state.ended) return this;
    state.ended = true;
    if (state.rid !== null && state.pendingWrites.length === 0 && !state.writing) this._shutdown();
    return this;
  }

  _shutdown() {
    const state = this[kState];
    if (state.shut || this.destroyed) return;
    state.shut = true;
    this.writable = false;
    try {
      op_net_shutdown(state.rid);
    } catch {
      // the peer is gone; close below reports it
    }
    this.emit("finish");
    this._maybeClose();
  }

  _maybeClose() {
    const state = this[kState];
    if (state.shut && state.readEnded) this.destroy();
  }

  destroy(error) {
    if (this.destroyed) return this;
    this.destroyed = true;
    this.readable = false;
    this.writable = false;
    const state = this[kState];
    clearTimeout(state.timer);
    if (state.rid !== null) op_net_close(state.rid);
    nextTick(() => {
      if (error) this.emit("error", error);
      this.emit("close", !!error);
    });
    return this;
  }

  destroySoon() {
    this.end();
  }

  resetAndDestroy() {
    return this.destroy();
  }

  setNoDelay(noDelay = true) {
    const rid = this[kState].rid;
    if (rid !== null) op_net_set_nodelay(rid, !!noDelay);
    else this.once("connect", () => this.setNoDelay(noDelay));
    return this;
  }

  setKeepAlive(enable = false, initialDelay = 0) {
    const rid = this[kState].rid;
    if (rid !== null) op_net_set_keepalive(rid, !!enable, Math.max(0, initialDelay | 0));
    else this.once("connect", () => this.setKeepAlive(enable, initialDelay));
    return this;
  }

  setTimeout(ms, cb) {
    const state = this[kState];
    state.timeout = ms;
    if (cb) {
      if (ms === 0) this.removeListener("timeout", cb);
      else this.once("timeout", cb);
    }
    this._touch();
    return this;
  }

  _touch() {
    const state = this[kState];
    clearTimeout(state.timer);
    state.timer = null;
    if (state.timeout > 0 && !this.destroyed) {
      state.timer = setTimeout(() => this.emit("timeout"), state.timeout);
      if (!state.refed) state.timer.unref?.();
    }
  }

  address() {
    if (this.localAddress === undefined) return {};
    if (this.remoteFamily === "Unix") return this.localAddress;
    return { address: this.localAddress, family: this.remoteFamily, port: this.localPort };
  }

  ref() {
    const state = this[kState];
    state.refed = true;
    if (state.readPromise) core.refOpPromise(state.readPromise);
    return this;
  }

  unref() {
    const state = this[kState];
    state.refed = false;
    if (state.readPromise) core.unrefOpPromise(state.readPromise);
    return this;
  }

  // A socket pipes and iterates as a Readable does (node:stream's own
  // code, loaded on first use).
  pipe(destination, options = {}) {
    return streams().Stream.prototype.pipe.call(this, destination, options);
  }

  [Symbol.asyncIterator]() {
    return streams().Readable.prototype[Symbol.asyncIterator].call(this);
  }
}

class Server extends EventEmitter {
  constructor(options, connectionListener) {
    super();
    if (typeof options === "function") {
      connectionListener = options;
      options = {};
    }
    this._options = options ?? {};
    this._rid = null;
    this._address = null;
    this._connections = new Set();
    this._closing = false;
    this._refed = true;
    this.maxConnections = undefined;
    if (connectionListener) this.on("connection", connectionListener);
  }

  get listening() {
    return this._rid !== null;
  }

  listen(...args) {
    let options;
    let cb = typeof args[args.length - 1] === "function" ? args.pop() : undefined;
    const [first, second] = args;
    if (first !== null && typeof first === "object") options = { ...first };
    else if (typeof first === "string" && Number.isNaN(Number(first))) options = { path: first };
    else options = { port: first ?? 0, host: typeof second === "string" ? second : undefined };
    if (cb) this.once("listening", cb);
    const path = options.path;
    const port = path === undefined ? validatePort(options.port ?? 0) : 0;
    const host = options.host ?? "0.0.0.0";
    let opened;
    try {
      opened = op_net_listen(host, port, path ?? null);
    } catch (error) {
      nextTick(() => this.emit("error", error));
      return this;
    }
    this._rid = opened.rid;
    this._address = opened.local;
    nextTick(() => {
      this.emit("listening");
      this._accept();
    });
    return this;
  }

  async _accept() {
    while (this._rid !== null && !this._closing) {
      let opened;
      try {
        this._acceptPromise = op_net_accept(this._rid);
        if (!this._refed) core.unrefOpPromise(this._acceptPromise);
        opened = await this._acceptPromise;
        this._acceptPromise = null;
      } catch (error) {
        this.emit("error", error);
        continue;
      }
      if (opened === null) break;
      if (this.maxConnections !== undefined && this._connections.size >= this.maxConnections) {
        op_net_close(opened.rid);
        continue;
      }
      const socket = new Socket({ allowHalfOpen: this._options.allowHalfOpen });
      socket.server = this;
      this._connections.add(socket);
      socket.on("close", () => {
        this._connections.delete(socket);
        this._maybeClosed();
      });
      socket._attach(opened);
      if (this._options.noDelay) socket.setNoDelay(true);
      if (this._options.pauseOnConnect) socket.pause();
      this.emit("connection", socket);
    }
  }

  address() {
    if (this._address === null) return null;
    if (this._address.family === "Unix") return this._address.address;
    return { address: this._address.address, family: this._address.family, port: this._address.port };
  }

  close(cb) {
    if (cb) {
      if (this._rid === null && !this._closing) {
        const err = errors.ServerNotRunning("Server is not running.");
        nextTick(cb, err);
      } else this.once("close", cb);
    }
    if (this._rid !== null) {
      op_net_close(this._rid);
      this._rid = null;
    }
    this._closing = true;
    this._maybeClosed();
    return this;
  }

  _maybeClosed() {
    if (this._closing && this._connections.size === 0 && !this._closeEmitted) {
      this._closeEmitted = true;
      nextTick(() => this.emit("close"));
    }
  }

  getConnections(cb) {
    nextTick(cb, null, this._connections.size);
    return this;
  }

  ref() {
    this._refed = true;
    if (this._acceptPromise) core.refOpPromise(this._acceptPromise);
    return this;
  }

  unref() {
    this._refed = false;
    if (this._acceptPromise) core.unrefOpPromise(this._acceptPromise);
    return this;
  }

  [Symbol.asyncDispose]() {
    return new Promise((resolve) => this.close(() => resolve()));
  }
}

function createServer(options, connectionListener) {
  return new Server(options, connectionListener);
}

function connect(...args) {
  const [options] = normalizeConnectArgs(args);
  const socket = new Socket(options);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket.connect(...args);
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIPv4(input) {
  return IPV4_RE.test(`${input}`);
}

function isIPv6(input) {
  const s = `${input}`;
  if (!s.includes(":")) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

function isIP(input) {
  return isIPv4(input) ? 4 : isIPv6(input) ? 6 : 0;
}

const net = {
  Server,
  Socket,
  Stream: Socket,
  createServer,
  connect,
  createConnection: connect,
  isIP,
  isIPv4,
  isIPv6,
};
export default net;
export {
  Server,
  Socket,
  createServer,
  connect,
  isIP,
  isIPv4,
  isIPv6,
};
export const { Stream, createConnection } = net;
