// node:async_hooks: AsyncLocalStorage on the engine's async context
// (continuation-preserved data, which follows promise continuations; rt's
// timers carry it to their callbacks).
import { core } from "ext:core/mod.js";

const { getAsyncContext, setAsyncContext } = core;

/** The context is an immutable Map from storage to store, replaced on
 * each `run`, so a continuation keeps the map it started with. */
class AsyncLocalStorage {
  #key = Symbol("AsyncLocalStorage");
  #enabled = true;

  static bind(fn) {
    const context = getAsyncContext();
    return function (...args) {
      const previous = getAsyncContext();
      setAsyncContext(context);
      try {
        return fn.apply(this, args);
      } finally {
        setAsyncContext(previous);
      }
    };
  }

  static snapshot() {
    const context = getAsyncContext();
    return (fn, ...args) => {
      const previous = getAsyncContext();
      setAsyncContext(context);
      try {
        return fn(...args);
      } finally {
        setAsyncContext(previous);
      }
    };
  }

  run(store, fn, ...args) {
    const previous = getAsyncContext();
    const next = new Map(previous instanceof Map ? previous : undefined);
    next.set(this.#key, store);
    this.#enabled = true;
    setAsyncContext(next);
    try {
      return fn(...args);
    } finally {
      setAsyncContext(previous);
    }
  }

  exit(fn, ...args) {
    const previous = getAsyncContext();
    const next = new Map(previous instanceof Map ? previous : undefined);
    next.delete(this.#key);
    setAsyncContext(next);
    try {
      return fn(...args);
    } finally {
      setAsyncContext(previous);
    }
  }

  enterWith(store) {
    const previous = getAsyncContext();
    const next = new Map(previous instanceof Map ? previous : undefined);
    next.set(this.#key, store);
    setAsyncContext(next);
  }

  getStore() {
    if (!this.#enabled) return undefined;
    const context = getAsyncContext();
    return context instanceof Map ? context.get(this.#key) : undefined;
  }

  disable() {
    this.#enabled = false;
  }
}

class AsyncResource {
  #context = getAsyncContext();
  constructor(type) {
    this.type = type;
  }
  runInAsyncScope(fn, thisArg, ...args) {
    const previous = getAsyncContext();
    setAsyncContext(this.#context);
    try {
      return fn.apply(thisArg, args);
    } finally {
      setAsyncContext(previous);
    }
  }
  bind(fn) {
    return (...args) => this.runInAsyncScope(fn, undefined, ...args);
  }
  static bind(fn, type) {
    return new AsyncResource(type).bind(fn);
  }
}

const hooks = {
  AsyncLocalStorage,
  AsyncResource,
  createHook: () => ({ enable() { return this; }, disable() { return this; } }),
  executionAsyncId: () => 0,
  triggerAsyncId: () => 0,
};
export default hooks;
export { AsyncLocalStorage, AsyncResource };
export const { createHook, executionAsyncId, triggerAsyncId } = hooks;
