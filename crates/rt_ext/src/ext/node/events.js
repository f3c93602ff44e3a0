// node:events: EventEmitter and `once`, the parts server packages use.

import { errors, invalidArgType } from "ext:rt_web/01_errors.js";

const kCapture = Symbol("kCapture");
let defaultMaxListeners = 10;

function checkListener(listener) {
  if (typeof listener !== "function") {
    throw invalidArgType("listener", "of type function", listener);
  }
}

function EventEmitter(options) {
  EventEmitter.init.call(this, options);
}

EventEmitter.init = function init() {
  if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
    this._events = { __proto__: null };
    this._eventsCount = 0;
  }
  this._maxListeners ??= undefined;
  this[kCapture] = false;
};

const proto = EventEmitter.prototype;
proto._events = undefined;
proto._eventsCount = 0;
proto._maxListeners = undefined;

function events(emitter) {
  if (!emitter._events) {
    emitter._events = { __proto__: null };
    emitter._eventsCount = 0;
  }
  return emitter._events;
}

function addListener(emitter, type, listener, prepend) {
  checkListener(listener);
  const map = events(emitter);
  if (map.newListener !== undefined) {
    emitter.emit("newListener", type, listener.listener ?? listener);
  }
  const existing = map[type];
  if (existing === undefined) {
    map[type] = [listener];
    emitter._eventsCount++;
  } else if (prepend) {
    existing.unshift(listener);
  } else {
    existing.push(listener);
  }
  return emitter;
}

proto.setMaxListeners = function setMaxListeners(n) {
  this._maxListeners = n;
  return this;
};
proto.getMaxListeners = function getMaxListeners() {
  return this._maxListeners ?? defaultMaxListeners;
};
proto.emit = function emit(type, ...args) {
  const map = events(this);
  const listeners = map[type];
  if (type === "error" && (listeners === undefined || listeners.length === 0)) {
    const err = args[0];
    if (err instanceof Error) throw err;
    const wrapped = errors.UnhandledError(`Unhandled error. (${String(err)})`);
    wrapped.context = err;
    throw wrapped;
  }
  if (listeners === undefined) return false;
  for (const listener of [...listeners]) listener.apply(this, args);
  return true;
};
proto.on = proto.addListener = function addListener_(type, listener) {
  return addListener(this, type, listener, false);
};
proto.prependListener = function prependListener(type, listener) {
  return addListener(this, type, listener, true);
};
function onceWrapper(emitter, type, listener) {
  const wrapper = function (...args) {
    emitter.removeListener(type, wrapper);
    return listener.apply(this, args);
  };
  wrapper.listener = listener;
  return wrapper;
}
proto.once = function once(type, listener) {
  checkListener(listener);
  return this.on(type, onceWrapper(this, type, listener));
};
proto.prependOnceListener = function prependOnceListener(type, listener) {
  checkListener(listener);
  return this.prependListener(type, onceWrapper(this, type, listener));
};
proto.off = proto.removeListener = function removeListener(type, listener) {
  checkListener(listener);
  const map = events(this);
  const list = map[type];
  if (list === undefined) return this;
  const i = list.findLastIndex((l) => l === listener || l.listener === listener);
  if (i === -1) return this;
  list.splice(i, 1);
  if (list.length === 0) {
    delete map[type];
    this._eventsCount--;
  }
  if (map.removeListener !== undefined) this.emit("removeListener", type, listener);
  return this;
};
proto.removeAllListeners = function removeAllListeners(type) {
  const map = events(this);
  if (type === undefined) {
    this._events = { __proto__: null };
    this._eventsCount = 0;
  } else if (map[type] !== undefined) {
    delete map[type];
    this._eventsCount--;
  }
  return this;
};
proto.listeners = function listeners(type) {
  return (events(this)[type] ?? []).map((l) => l.listener ?? l);
};
proto.rawListeners = function rawListeners(type) {
  return [...(events(this)[type] ?? [])];
};
proto.listenerCount = function listenerCount(type) {
  return events(this)[type]?.length ?? 0;
};
proto.eventNames = function eventNames() {
  return Reflect.ownKeys(events(this));
};

/** Resolves with the arguments of the next `type` event (rejects on
 * `error`, or with the signal's reason). */
function once(emitter, type, options = {}) {
  return new Promise((resolve, reject) => {
    const signal = options.signal;
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    if (typeof emitter.addEventListener === "function" && typeof emitter.on !== "function") {
      emitter.addEventListener(type, (...args) => resolve(args), { once: true, signal });
      return;
    }
    const onError = (err) => {
      emitter.removeListener(type, onEvent);
      reject(err);
    };
    const onEvent = (...args) => {
      if (type !== "error") emitter.removeListener("error", onError);
      resolve(args);
    };
    emitter.once(type, onEvent);
    if (type !== "error") emitter.once("error", onError);
    signal?.addEventListener("abort", () => {
      emitter.removeListener(type, onEvent);
      emitter.removeListener("error", onError);
      reject(signal.reason);
    }, { once: true });
  });
}

function listenerCount(emitter, type) {
  return emitter.listenerCount(type);
}

Object.defineProperty(EventEmitter, "defaultMaxListeners", {
  __proto__: null,
  get: () => defaultMaxListeners,
  set: (n) => {
    defaultMaxListeners = n;
  },
  enumerable: true,
});
const errorMonitor = Symbol("events.errorMonitor");
const captureRejectionSymbol = Symbol.for("nodejs.rejection");
EventEmitter.EventEmitter = EventEmitter;
EventEmitter.once = once;
EventEmitter.listenerCount = listenerCount;
EventEmitter.errorMonitor = errorMonitor;
EventEmitter.captureRejectionSymbol = captureRejectionSymbol;
EventEmitter.captureRejections = false;
EventEmitter.setMaxListeners = () => {};
EventEmitter.getEventListeners = (emitter, type) => emitter.listeners(type);

export default EventEmitter;
export { captureRejectionSymbol, errorMonitor, EventEmitter, listenerCount, once };
export const { setMaxListeners, getEventListeners } = EventEmitter;
