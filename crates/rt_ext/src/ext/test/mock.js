// bun:test's mock functions: `mock(fn)` / `jest.fn(fn)` recording calls,
// results, instances and contexts, with Jest's mockImplementation family,
// and `spyOn(object, key)` wrapping a method in place until mockRestore().

import { errors } from "ext:rt_web/01_errors.js";

const kMock = Symbol("kMock");
/** Every spy and mock made, for restoreAllMocks / clearAllMocks. */
const allMocks = new Set();

function newState() {
  return { calls: [], results: [], instances: [], contexts: [], invocationCallOrder: [] };
}
let callOrder = 0;

function mock(implementation) {
  if (implementation !== undefined && typeof implementation !== "function") {
    const err = errors.InvalidArgType("mock(fn) expects a function");
    throw err;
  }
  const priv = {
    impl: implementation,
    once: [],
    name: "mock",
    state: newState(),
    restore: null,
  };
  const fn = function (...args) {
    const state = priv.state;
    state.calls.push(args);
    state.contexts.push(this);
    state.instances.push(new.target ? this : undefined);
    state.invocationCallOrder.push(++callOrder);
    const result = { type: "incomplete", value: undefined };
    state.results.push(result);
    const impl = priv.once.length ? priv.once.shift() : priv.impl;
    try {
      const value = impl === undefined
        ? undefined
        : new.target
        ? Reflect.construct(impl, args, new.target)
        : impl.apply(this, args);
      result.type = "return";
      result.value = value;
      return value;
    } catch (error) {
      result.type = "throw";
      result.value = error;
      throw error;
    }
  };
  Object.defineProperty(fn, kMock, { value: priv });
  Object.defineProperty(fn, "_isMockFunction", { value: true });
  Object.defineProperty(fn, "mock", {
    get() {
      const s = priv.state;
      return {
        calls: s.calls,
        results: s.results,
        instances: s.instances,
        contexts: s.contexts,
        invocationCallOrder: s.invocationCallOrder,
        get lastCall() {
          return s.calls[s.calls.length - 1];
        },
      };
    },
  });
  Object.assign(fn, {
    getMockName: () => priv.name,
    mockName(name) {
      priv.name = String(name);
      return fn;
    },
    getMockImplementation: () => priv.impl,
    mockImplementation(impl) {
      priv.impl = impl;
      return fn;
    },
    mockImplementationOnce(impl) {
      priv.once.push(impl);
      return fn;
    },
    mockReturnValue(value) {
      priv.impl = () => value;
      return fn;
    },
    mockReturnValueOnce(value) {
      priv.once.push(() => value);
      return fn;
    },
    mockResolvedValue(value) {
      priv.impl = () => Promise.resolve(value);
      return fn;
    },
    mockResolvedValueOnce(value) {
      priv.once.push(() => Promise.resolve(value));
      return fn;
    },
    mockRejectedValue(value) {
      priv.impl = () => Promise.reject(value);
      return fn;
    },
    mockRejectedValueOnce(value) {
      priv.once.push(() => Promise.reject(value));
      return fn;
    },
    mockReturnThis() {
      priv.impl = function () {
        return this;
      };
      return fn;
    },
    withImplementation(impl, callback) {
      const previous = priv.impl;
      priv.impl = impl;
      const done = () => {
        priv.impl = previous;
      };
      const out = callback();
      if (out && typeof out.then === "function") return out.finally(done);
      done();
      return out;
    },
    mockClear() {
      priv.state = newState();
      return fn;
    },
    mockReset() {
      priv.state = newState();
      priv.impl = undefined;
      priv.once = [];
      return fn;
    },
    mockRestore() {
      priv.state = newState();
      priv.impl = undefined;
      priv.once = [];
      priv.restore?.();
      priv.restore = null;
    },
  });
  allMocks.add(fn);
  return fn;
}

function isMock(fn) {
  return typeof fn === "function" && fn[kMock] !== undefined;
}

function spyOn(object, key, accessType) {
  if (object === null || (typeof object !== "object" && typeof object !== "function")) {
    throw new TypeError(`spyOn(target, prop) expects a target object, got ${typeof object}`);
  }
  const descriptor = findDescriptor(object, key);
  if (accessType === "get" || accessType === "set") {
    const original = descriptor?.[accessType];
    const spy = mock(original);
    Object.defineProperty(object, key, {
      configurable: true,
      enumerable: descriptor?.enumerable ?? true,
      get: accessType === "get" ? spy : descriptor?.get,
      set: accessType === "set" ? spy : descriptor?.set,
    });
    spy[kMock].restore = () => restoreProperty(object, key, descriptor);
    return spy;
  }
  const original = object[key];
  if (isMock(original)) return original;
  const spy = mock(typeof original === "function" ? original : undefined);
  const own = Object.prototype.hasOwnProperty.call(object, key);
  Object.defineProperty(object, key, {
    configurable: true,
    writable: true,
    enumerable: descriptor?.enumerable ?? true,
    value: spy,
  });
  spy[kMock].restore = () => {
    if (own) restoreProperty(object, key, descriptor);
    else delete object[key];
  };
  return spy;
}

function findDescriptor(object, key) {
  for (let o = object; o !== null; o = Object.getPrototypeOf(o)) {
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d) return d;
  }
  return undefined;
}

function restoreProperty(object, key, descriptor) {
  if (descriptor) Object.defineProperty(object, key, descriptor);
  else delete object[key];
}

function restoreAllMocks() {
  for (const fn of allMocks) {
    if (fn[kMock].restore) fn.mockRestore();
  }
}

function clearAllMocks() {
  for (const fn of allMocks) fn.mockClear();
}

function resetAllMocks() {
  for (const fn of allMocks) fn.mockReset();
}

mock.restore = restoreAllMocks;
mock.clearAllMocks = clearAllMocks;
mock.module = () => {
  throw new Error("mock.module() is not supported by rt test");
};

export {
  mock,
  spyOn,
  isMock,
  restoreAllMocks,
  clearAllMocks,
  resetAllMocks,
};
