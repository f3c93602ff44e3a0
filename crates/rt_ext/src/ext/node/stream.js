// node:stream: a compact Readable, Writable, Duplex, Transform and
// PassThrough with the behaviour packages lean on: push/read with 'data'
// in flowing mode, pause/resume, pipe, async iteration, write/end with
// _write callbacks and 'drain'/'finish', destroy, pipeline and finished.
// Object mode is supported; Node's exact buffering, highWaterMark
// accounting and error ordering are not reproduced.

import { EventEmitter } from "node:events";
import { Buffer } from "node:buffer";
import { errors } from "ext:rt_web/01_errors.js";

const nextTick = (fn, ...args) => queueMicrotask(() => fn(...args));

function Stream(options) {
  EventEmitter.call(this, options);
}
Object.setPrototypeOf(Stream.prototype, EventEmitter.prototype);
Object.setPrototypeOf(Stream, EventEmitter);

Stream.prototype.pipe = function (dest, options = {}) {
  this.on("data", (chunk) => {
    if (dest.write(chunk) === false && typeof this.pause === "function") {
      this.pause();
      dest.once("drain", () => this.resume());
    }
  });
  if (options.end !== false) this.on("end", () => dest.end());
  dest.emit?.("pipe", this);
  return dest;
};

class Readable extends Stream {
  constructor(options = {}) {
    super(options);
    this._readableState = {
      buffer: [],
      flowing: null,
      ended: false,
      endEmitted: false,
      reading: false,
      objectMode: !!(options.objectMode || options.readableObjectMode),
      highWaterMark: options.highWaterMark ?? (options.objectMode ? 16 : 16 * 1024),
      encoding: options.encoding ?? null,
    };
    this.destroyed = false;
    this.readable = true;
    if (typeof options.read === "function") this._read = options.read;
    if (typeof options.destroy === "function") this._destroy = options.destroy;
  }

  static from(iterable, options = {}) {
    const readable = new Readable({ objectMode: true, ...options, read() {} });
    (async () => {
      try {
        for await (const chunk of iterable) readable.push(chunk);
        readable.push(null);
      } catch (error) {
        readable.destroy(error);
      }
    })();
    return readable;
  }

  get readableLength() {
    return this._readableState.buffer.length;
  }

  get readableEnded() {
    return this._readableState.endEmitted;
  }

  get readableFlowing() {
    return this._readableState.flowing;
  }

  _read() {}

  push(chunk, encoding) {
    const state = this._readableState;
    if (chunk === null) {
      state.ended = true;
      nextTick(() => this._flow());
      return false;
    }
    if (!state.objectMode && typeof chunk === "string") chunk = Buffer.from(chunk, encoding);
    state.buffer.push(chunk);
    nextTick(() => this._flow());
    return state.buffer.length < state.highWaterMark;
  }

  unshift(chunk) {
    this._readableState.buffer.unshift(chunk);
  }

  _flow() {
    const state = this._readableState;
    while (state.flowing && state.buffer.length && !this.destroyed) {
      let chunk = state.buffer.shift();
      if (state.encoding && chunk instanceof Uint8Array) chunk = Buffer.from(chunk).toString(state.encoding);
      this.emit("data", chunk);
    }
    if (state.ended && !state.buffer.length && !state.endEmitted && state.flowing !== false) {
      state.endEmitted = true;
      this.readable = false;
      this.emit("end");
      if (this._autoClose !== false) nextTick(() => this.emit("close"));
      return;
    }
    if (state.flowing && !state.ended && !state.reading) {
      state.reading = true;
      nextTick(() => {
        state.reading = false;
        if (!state.ended && !this.destroyed) this._read(state.highWaterMark);
      });
    }
  }

  read() {
    const state = this._readableState;
    if (!state.buffer.length) {
      if (!state.ended) this._read(state.highWaterMark);
      return null;
    }
    const chunk = state.buffer.shift();
    return state.encoding && chunk instanceof Uint8Array ? Buffer.from(chunk).toString(state.encoding) : chunk;
  }

  on(event, listener) {
    super.on(event, listener);
    if (event === "data" && this._readableState.flowing !== false) this.resume();
    if (event === "readable") nextTick(() => this.emit("readable"));
    return this;
  }

  addListener(event, listener) {
    return this.on(event, listener);
  }

  pause() {
    this._readableState.flowing = false;
    return this;
  }

  resume() {
    this._readableState.flowing = true;
    nextTick(() => this._flow());
    return this;
  }

  isPaused() {
    return this._readableState.flowing === false;
  }

  setEncoding(encoding) {
    this._readableState.encoding = encoding;
    return this;
  }

  destroy(error) {
    if (this.destroyed) return this;
    this.destroyed = true;
    const done = (err) => {
      if (err) this.emit("error", err);
      this.emit("close");
    };
    if (this._destroy) this._destroy(error ?? null, (err) => nextTick(done, err));
    else nextTick(done, error);
    return this;
  }

  async *[Symbol.asyncIterator]() {
    const chunks = [];
    let wake = null;
    let done = false;
    let failure = null;
    this.on("data", (c) => {
      chunks.push(c);
      wake?.();
    });
    this.once("end", () => {
      done = true;
      wake?.();
    });
    this.once("error", (e) => {
      failure = e;
      wake?.();
    });
    for (;;) {
      if (chunks.length) yield chunks.shift();
      else if (failure) throw failure;
      else if (done) return;
      else await new Promise((r) => (wake = r));
      wake = null;
    }
  }
}

class Writable extends Stream {
  constructor(options = {}) {
    super(options);
    this._writableState = {
      queue: [],
      writing: false,
      ended: false,
      finished: false,
      length: 0,
      needDrain: false,
      objectMode: !!(options.objectMode || options.writableObjectMode),
      highWaterMark: options.highWaterMark ?? (options.objectMode ? 16 : 16 * 1024),
    };
    this.destroyed = false;
    this.writable = true;
    if (typeof options.write === "function") this._write = options.write;
    if (typeof options.final === "function") this._final = options.final;
    if (typeof options.destroy === "function") this._destroy = options.destroy;
  }

  get writableLength() {
    return this._writableState.length;
  }

  get writableEnded() {
    return this._writableState.ended;
  }

  get writableFinished() {
    return this._writableState.finished;
  }

  _write(_chunk, _encoding, callback) {
    callback();
  }

  write(chunk, encoding, cb) {
    if (typeof encoding === "function") {
      cb = encoding;
      encoding = undefined;
    }
    const state = this._writableState;
    if (state.ended) {
      const err = errors.StreamWriteAfterEnd("write after end");
      nextTick(() => {
        cb?.(err);
        this.emit("error", err);
      });
      return false;
    }
    if (!state.objectMode && typeof chunk === "string") chunk = Buffer.from(chunk, encoding);
    const size = state.objectMode ? 1 : chunk?.length ?? 1;
    state.length += size;
    state.queue.push({ chunk, encoding, cb, size });
    this._drainQueue();
    const ok = state.length < state.highWaterMark;
    if (!ok) state.needDrain = true;
    return ok;
  }

  _drainQueue() {
    const state = this._writableState;
    if (state.writing || this.destroyed) return;
    const next = state.queue.shift();
    if (!next) {
      if (state.needDrain) {
        state.needDrain = false;
        this.emit("drain");
      }
      if (state.ended && !state.finished) this._finish();
      return;
    }
    state.writing = true;
    this._write(next.chunk, next.encoding ?? "buffer", (err) => {
      state.writing = false;
      state.length -= next.size;
      next.cb?.(err);
      if (err) {
        this.destroy(err);
        return;
      }
      nextTick(() => this._drainQueue());
    });
  }

  _finish() {
    const state = this._writableState;
    const done = (err) => {
      if (err) return this.destroy(err);
      state.finished = true;
      this.writable = false;
      this.emit("finish");
      if (this._autoClose !== false && !(this instanceof Duplex)) nextTick(() => this.emit("close"));
    };
    if (this._final) this._final(done);
    else done();
  }

  end(chunk, encoding, cb) {
    if (typeof chunk === "function") {
      cb = chunk;
      chunk = undefined;
    } else if (typeof encoding === "function") {
      cb = encoding;
      encoding = undefined;
    }
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    if (cb) this.once("finish", cb);
    const state = this._writableState;
    if (!state.ended) {
      state.ended = true;
      this._drainQueue();
    }
    return this;
  }

  cork() {}
  uncork() {}

  destroy(error) {
    return Readable.prototype.destroy.call(this, error);
  }
}

class Duplex extends Readable {
  constructor(options = {}) {
    super(options);
    const writable = new Writable(options);
    this._writableState = writable._writableState;
    this.writable = true;
    if (typeof options.write === "function") this._write = options.write;
    if (typeof options.final === "function") this._final = options.final;
    this.allowHalfOpen = options.allowHalfOpen !== false;
  }
}
for (const name of ["write", "end", "_write", "_drainQueue", "_finish", "cork", "uncork"]) {
  Duplex.prototype[name] = Writable.prototype[name];
}
for (const name of ["writableLength", "writableEnded", "writableFinished"]) {
  Object.defineProperty(Duplex.prototype, name, Object.getOwnPropertyDescriptor(Writable.prototype, name));
}

class Transform extends Duplex {
  constructor(options = {}) {
    super(options);
    if (typeof options.transform === "function") this._transform = options.transform;
    if (typeof options.flush === "function") this._flush = options.flush;
  }
  _transform(chunk, _encoding, callback) {
    callback(null, chunk);
  }
  _write(chunk, encoding, callback) {
    this._transform(chunk, encoding, (err, data) => {
      if (data !== undefined && data !== null) this.push(data);
      callback(err);
    });
  }
  _final(callback) {
    const done = (err, data) => {
      if (data !== undefined && data !== null) this.push(data);
      this.push(null);
      callback(err);
    };
    if (this._flush) this._flush(done);
    else done();
  }
}

class PassThrough extends Transform {}

Object.defineProperty(Writable, Symbol.hasInstance, {
  value(instance) {
    return Function.prototype[Symbol.hasInstance].call(this, instance) ||
      (this === Writable && instance instanceof Duplex);
  },
});

function finished(stream, options, callback) {
  if (typeof options === "function") callback = options;
  let called = false;
  const done = (err) => {
    if (called) return;
    called = true;
    callback(err);
  };
  stream.once?.("end", () => done());
  stream.once?.("finish", () => done());
  stream.once?.("error", (err) => done(err));
  stream.once?.("close", () => done());
  return () => {};
}

function pipeline(...streams) {
  const callback = typeof streams[streams.length - 1] === "function" ? streams.pop() : null;
  if (Array.isArray(streams[0])) streams = streams[0];
  for (let i = 0; i < streams.length - 1; i++) streams[i].pipe(streams[i + 1]);
  const last = streams[streams.length - 1];
  if (callback) {
    for (const s of streams) s.once?.("error", (err) => callback(err));
    finished(last, (err) => callback(err));
  }
  return last;
}

const promises = {
  pipeline: (...streams) =>
    new Promise((resolve, reject) => pipeline(...streams, (err) => (err ? reject(err) : resolve()))),
  finished: (stream) => new Promise((resolve, reject) => finished(stream, (err) => (err ? reject(err) : resolve()))),
};

Object.assign(Stream, { Readable, Writable, Duplex, Transform, PassThrough, Stream, pipeline, finished, promises });
export default Stream;
export { Duplex, finished, PassThrough, pipeline, promises, Readable, Stream, Transform, Writable };
