// Bun.listen and Bun.connect: TCP and Unix sockets with Bun's handler
// object (open, data, drain, end, close, error, connectError, timeout)
// instead of events. write() is Bun's: it writes what the socket takes now
// and returns that count; when it took less, `drain` follows once there
// is room. Loaded on first use of either function.

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
  op_net_try_write,
  op_net_writable,
} from "ext:core/ops";
import { Buffer } from "node:buffer";
import { errors } from "ext:rt_web/01_errors.js";

const kRid = Symbol("kRid");
const kHandlers = Symbol("kHandlers");

function checkHandlers(socket, what) {
  if (socket === null || typeof socket !== "object") {
    throw errors.InvalidArgType(`${what} expects a "socket" object with handlers`);
  }
  for (const name of ["open", "data", "drain", "end", "close", "error", "connectError", "timeout", "handshake"]) {
    if (socket[name] !== undefined && typeof socket[name] !== "function") {
      throw errors.InvalidArgType(`${what}: socket.${name} must be a function`);
    }
  }
  return socket;
}

function endpoint(options, what) {
  if (options === null || typeof options !== "object") {
    throw errors.InvalidArgType(`${what} expects an options object`);
  }
  if (options.tls) {
    throw errors.UnsupportedOption(`${what}: tls sockets are not supported by rt yet`);
  }
  if (options.unix !== undefined) {
    if (typeof options.unix !== "string" || options.unix === "") {
      throw errors.InvalidArgType(`${what}: unix must be a socket path string`);
    }
    return { hostname: "", port: 0, path: options.unix };
  }
  const hostname = options.hostname ?? "localhost";
  if (typeof hostname !== "string") throw errors.InvalidArgType(`${what}: hostname must be a string`);
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    const error = errors.OutOfRange(`${what}: port must be an integer between 0 and 65535, got ${options.port}`);
    throw error;
  }
  return { hostname, port, path: null };
}

function bytesOf(data, byteOffset = 0, byteLength = undefined) {
  let bytes;
  if (typeof data === "string") bytes = Buffer.from(data);
  else if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
  else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  else throw errors.InvalidArgType("Socket.write expects a string, ArrayBuffer or TypedArray");
  if (byteOffset !== 0 || byteLength !== undefined) {
    bytes = bytes.subarray(byteOffset, byteLength === undefined ? undefined : byteOffset + byteLength);
  }
  return bytes;
}

/** A connected socket as Bun hands it to handlers. */
class Socket {
  constructor(opened, handlers, data, listener) {
    this[kRid] = opened.rid;
    this[kHandlers] = handlers;
    this.data = data;
    this.listener = listener;
    this.remoteAddress = opened.remote?.address;
    this.remotePort = opened.remote?.port;
    this.remoteFamily = opened.remote?.family;
    this.localAddress = opened.local?.address;
    this.localPort = opened.local?.port;
    this.readyState = "open";
    this.bytesWritten = 0;
    this.#refed = true;
  }

  #closed = false;
  #ended = false;
  #draining = false;
  #refed;
  #timer = null;
  #timeoutMs = 0;
  #readPromise = null;

  #call(name, ...args) {
    const fn = this[kHandlers][name];
    if (fn === undefined) return;
    try {
      const out = fn(this, ...args);
      if (out && typeof out.then === "function") out.then(undefined, (e) => this.#fail(e));
    } catch (error) {
      this.#fail(error);
    }
  }

  #fail(error) {
    if (this[kHandlers].error) {
      try {
        this[kHandlers].error(this, error);
      } catch (inner) {
        reportError(inner);
      }
    } else {
      reportError(error);
    }
    this.#close(error);
  }

  /** Starts the read loop after `open`. */
  start() {
    this.#call("open");
    this.#touch();
    this.#read();
  }

  async #read() {
    while (!this.#closed) {
      let chunk;
      try {
        this.#readPromise = op_net_read(this[kRid]);
        if (!this.#refed) core.unrefOpPromise(this.#readPromise);
        chunk = await this.#readPromise;
      } catch (error) {
        this.#fail(error);
        return;
      }
      this.#readPromise = null;
      if (this.#closed) return;
      if (chunk.length === 0) {
        this.readyState = this.#ended ? "closed" : "readOnly";
        this.#call("end");
        this.#close();
        return;
      }
      this.#touch();
      this.#call("data", Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    }
  }

  #touch() {
    clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#timeoutMs > 0 && !this.#closed) {
      this.#timer = setTimeout(() => this.#call("timeout"), this.#timeoutMs);
      if (!this.#refed) this.#timer.unref?.();
    }
  }

  #close(error) {
    if (this.#closed) return;
    this.#closed = true;
    this.readyState = "closed";
    clearTimeout(this.#timer);
    op_net_close(this[kRid]);
    this.listener?._forget(this);
    this.#call("close", error);
  }

  /** Writes what the socket takes now; returns that byte count. */
  write(data, byteOffset = 0, byteLength = undefined) {
    if (this.#closed || this.#ended) return -1;
    const bytes = bytesOf(data, byteOffset, byteLength);
    let n;
    try {
      n = op_net_try_write(this[kRid], bytes);
    } catch (error) {
      this.#fail(error);
      return -1;
    }
    this.bytesWritten += n;
    if (n < bytes.length) this.#awaitDrain();
    return n;
  }

  #awaitDrain() {
    if (this.#draining) return;
    this.#draining = true;
    const promise = op_net_writable(this[kRid]);
    if (!this.#refed) core.unrefOpPromise(promise);
    promise.then(
      () => {
        this.#draining = false;
        if (!this.#closed) this.#call("drain");
      },
      () => {
        this.#draining = false;
      },
    );
  }

  /** Writes `data` (if any) and half-closes; returns the bytes written. */
  end(data, byteOffset, byteLength) {
    let n = 0;
    if (data !== undefined) n = this.write(data, byteOffset, byteLength);
    this.shutdown();
    return n;
  }

  shutdown(halfClose = true) {
    if (this.#closed || this.#ended) return;
    this.#ended = true;
    this.readyState = "readOnly";
    try {
      op_net_shutdown(this[kRid]);
    } catch {
      // already gone
    }
    if (!halfClose) this.#close();
  }

  flush() {}

  terminate() {
    this.#close();
  }

  close() {
    this.#close();
  }

  timeout(seconds) {
    this.#timeoutMs = Math.max(0, Number(seconds) || 0) * 1000;
    this.#touch();
  }

  setNoDelay(noDelay = true) {
    if (!this.#closed) op_net_set_nodelay(this[kRid], !!noDelay);
    return true;
  }

  setKeepAlive(enable = false, initialDelay = 0) {
    if (!this.#closed) op_net_set_keepalive(this[kRid], !!enable, initialDelay | 0);
    return true;
  }

  ref() {
    this.#refed = true;
    if (this.#readPromise) core.refOpPromise(this.#readPromise);
  }

  unref() {
    this.#refed = false;
    if (this.#readPromise) core.unrefOpPromise(this.#readPromise);
  }

  reload({ socket }) {
    this[kHandlers] = checkHandlers(socket, "Socket.reload");
  }

  get closed() {
    return this.#closed;
  }
}

/** What Bun.listen returns. */
class Listener {
  #rid;
  #handlers;
  #sockets = new Set();
  #acceptPromise = null;
  #refed = true;
  #stopped = false;

  constructor(opened, handlers, options, where) {
    this.#rid = opened.rid;
    this.#handlers = handlers;
    this.data = options.data;
    if (where.path !== null) {
      this.unix = where.path;
    } else {
      this.hostname = where.hostname;
      this.port = opened.local.port;
    }
    this.#accept();
  }

  async #accept() {
    while (!this.#stopped) {
      let opened;
      try {
        this.#acceptPromise = op_net_accept(this.#rid);
        if (!this.#refed) core.unrefOpPromise(this.#acceptPromise);
        opened = await this.#acceptPromise;
      } catch (error) {
        reportError(error);
        continue;
      }
      this.#acceptPromise = null;
      if (opened === null) return;
      const socket = new Socket(opened, this.#handlers, this.data, this);
      this.#sockets.add(socket);
      socket.start();
    }
  }

  _forget(socket) {
    this.#sockets.delete(socket);
  }

  stop(closeActiveConnections = false) {
    if (!this.#stopped) {
      this.#stopped = true;
      op_net_close(this.#rid);
    }
    if (closeActiveConnections) {
      for (const socket of this.#sockets) socket.terminate();
    }
  }

  ref() {
    this.#refed = true;
    if (this.#acceptPromise) core.refOpPromise(this.#acceptPromise);
  }

  unref() {
    this.#refed = false;
    if (this.#acceptPromise) core.unrefOpPromise(this.#acceptPromise);
  }

  reload({ socket }) {
    this.#handlers = checkHandlers(socket, "Listener.reload");
  }

  [Symbol.dispose]() {
    this.stop(true);
  }
}

/** `Bun.listen(options)`: a listener; each connection gets `options.socket`. */
function listen(options) {
  const handlers = checkHandlers(options?.socket, "Bun.listen");
  const where = endpoint(options, "Bun.listen");
  const opened = op_net_listen(where.hostname, where.port, where.path);
  return new Listener(opened, handlers, options, where);
}

/** `Bun.connect(options)`: resolves to the socket once it is open. */
async function connect(options) {
  const handlers = checkHandlers(options?.socket, "Bun.connect");
  const where = endpoint(options, "Bun.connect");
  let opened;
  try {
    opened = await op_net_connect(where.hostname, where.port, where.path);
  } catch (error) {
    if (handlers.connectError) {
      handlers.connectError(null, error);
    }
    throw error;
  }
  const socket = new Socket(opened, handlers, options.data, null);
  socket.start();
  return socket;
}

export { listen, connect };
