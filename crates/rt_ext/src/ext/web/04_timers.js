// Timers as Bun has them: setTimeout/setInterval return a Timeout object with
// ref/unref/hasRef/refresh (it converts to its numeric id, so code written
// for browsers that stores ids keeps working); setImmediate runs after I/O
// on the next turn of the event loop, without going through the timer wheel.

import { core, primordials } from "ext:core/mod.js";
import { op_defer } from "ext:core/ops";
import { errors } from "ext:rt_web/01_errors.js";

const {
  createTimer,
  cancelTimer,
  refreshTimer,
  refTimer,
  unrefTimer,
  getAsyncContext,
  setAsyncContext,
} = core;

/** Calls a timer's callback in the async context it was scheduled in
 * (AsyncLocalStorage follows timers as it follows promises). */
function callIn(context, callback, args) {
  if (context === undefined) return ReflectApply(callback, globalThis, args);
  const previous = getAsyncContext();
  setAsyncContext(context);
  try {
    return ReflectApply(callback, globalThis, args);
  } finally {
    setAsyncContext(previous);
  }
}
const {
  ArrayPrototypePush,
  MapPrototypeDelete,
  MapPrototypeGet,
  MapPrototypeSet,
  NumberIsFinite,
  PromisePrototypeThen,
  ReflectApply,
  SafeMap,
  SymbolToPrimitive,
} = primordials;

/** Largest delay a timer accepts (2^31 - 1 ms); larger values mean 1 ms, as in browsers. */
const TIMEOUT_MAX = 2 ** 31 - 1;

/** id -> Timeout, so clearTimeout(id) works with plain numbers too. */
const active = new SafeMap();
const kTimer = Symbol("timer");
const kRefed = Symbol("refed");

function toDelay(delay) {
  delay = +delay;
  if (!NumberIsFinite(delay) || delay < 1 || delay > TIMEOUT_MAX) return 1;
  return delay;
}

function checkCallback(callback, name) {
  if (typeof callback !== "function") {
    const err = errors.InvalidArgType(`The "callback" argument of ${name} must be of type function`);
    throw err;
  }
}

/** What setTimeout and setInterval return (Bun's and Node's `Timeout`). */
class Timeout {
  [kTimer];
  [kRefed] = true;

  constructor(callback, delay, args, repeat) {
    const context = getAsyncContext();
    const run = () => {
      if (!repeat) MapPrototypeDelete(active, timer._timerId);
      callIn(context, callback, args);
    };
    const timer = createTimer(run, toDelay(delay), undefined, repeat, true);
    this[kTimer] = timer;
    MapPrototypeSet(active, timer._timerId, this);
  }

  /** Keeps the process alive until the timer fires (the default). */
  ref() {
    this[kRefed] = true;
    refTimer(this[kTimer]);
    return this;
  }

  /** Lets the process exit even though the timer is pending. */
  unref() {
    this[kRefed] = false;
    unrefTimer(this[kTimer]);
    return this;
  }

  hasRef() {
    return this[kRefed];
  }

  /** Restarts the countdown with the original delay. */
  refresh() {
    if (!this[kTimer]._destroyed) refreshTimer(this[kTimer]);
    return this;
  }

  close() {
    clear(this);
    return this;
  }

  [SymbolToPrimitive]() {
    return this[kTimer]._timerId;
  }
}

function clear(timeout) {
  if (timeout === undefined || timeout === null) return;
  const t = typeof timeout === "object"
    ? timeout
    : MapPrototypeGet(active, +timeout);
  if (t === undefined || t[kTimer] === undefined) return;
  cancelTimer(t[kTimer]);
  MapPrototypeDelete(active, t[kTimer]._timerId);
}

function setTimeout(callback, delay = 0, ...args) {
  checkCallback(callback, "setTimeout");
  return new Timeout(callback, delay, args, false);
}

function setInterval(callback, delay = 0, ...args) {
  checkCallback(callback, "setInterval");
  return new Timeout(callback, delay, args, true);
}

// setImmediate: one queue, drained once per event-loop turn. New immediates
// queued while draining run on the next turn, as in Node and Bun.
let immediateQueue = [];
let drainScheduled = false;

/** What setImmediate returns. */
class Immediate {
  callback;
  args;
  context;
  [kRefed] = true;

  constructor(callback, args) {
    this.callback = callback;
    this.args = args;
    this.context = getAsyncContext();
  }

  ref() {
    this[kRefed] = true;
    return this;
  }

  unref() {
    this[kRefed] = false;
    return this;
  }

  hasRef() {
    return this[kRefed];
  }
}

function drainImmediates() {
  drainScheduled = false;
  const queue = immediateQueue;
  immediateQueue = [];
  for (let i = 0; i < queue.length; i++) {
    const immediate = queue[i];
    if (immediate.callback === null) continue;
    const { callback, args, context } = immediate;
    immediate.callback = null;
    callIn(context, callback, args);
  }
}

function setImmediate(callback, ...args) {
  checkCallback(callback, "setImmediate");
  const immediate = new Immediate(callback, args);
  ArrayPrototypePush(immediateQueue, immediate);
  if (!drainScheduled) {
    drainScheduled = true;
    // op_defer resolves on the next poll of the event loop, after pending I/O.
    PromisePrototypeThen(op_defer(), drainImmediates);
  }
  return immediate;
}

function clearImmediate(immediate) {
  if (immediate instanceof Immediate) immediate.callback = null;
}

/** Installs the timer globals. */
export function installTimers() {
  const props = {
    setTimeout,
    setInterval,
    clearTimeout: clear,
    clearInterval: clear,
    setImmediate,
    clearImmediate,
  };
  for (const name in props) {
    Object.defineProperty(globalThis, name, {
      __proto__: null,
      value: props[name],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
}
