// What the `bun` module is made of (its source is written from the
// surface table: ext/surface.rs): `Bun` as the default export, and
// each member through `bunExport`.
//
// An ES module's exports are values, so a member whose code loads on first
// use (Bun.password, Bun.redis, Bun.escapeHTML, ...) would load here for
// every `import { serve } from "bun"`, about 6 ms of compiling. Such a
// member is exported as a stand-in that loads the real one when first
// called, constructed or read: a Proxy of a function for functions and
// classes, of an object for objects.

import { Bun, members } from "ext:rt_bun/60_bun.js";

export { Bun };

/** A stand-in for member `name`, until it loads (see the module docs). */
function standIn(name, shape) {
  const real = () => Bun[name];
  if (shape === "object") {
    // Methods run with the real object as `this` (they use private fields).
    return new Proxy({}, {
      get(_, key) {
        const target = real();
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
      ...ownProperties(real),
    });
  }
  // A function expression (not a method or arrow) so that the proxy can
  // be constructed; a function member constructed fails as the real one
  // does. Properties (`hash.wyhash`, `peek.status`) are read through.
  const target = function () {};
  Object.defineProperty(target, "name", { value: name });
  const proxy = new Proxy(target, {
    apply: (_, self, args) => Reflect.apply(real(), self, args),
    construct: (_, args, newTarget) =>
      Reflect.construct(real(), args, newTarget === proxy ? real() : newTarget),
    get: (_, key) => Reflect.get(real(), key),
    ...ownProperties(real),
  });
  return proxy;
}

/** Proxy traps that show the real member's own properties (`hash.wyhash`
 * in `Object.keys(hash)`). A property the stand-in's target has as
 * non-configurable (a function's `prototype`) is reported as the target's,
 * as the Proxy invariants require; the rest as configurable. */
function ownProperties(real) {
  return {
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => Reflect.has(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    ownKeys(target) {
      const keys = Reflect.ownKeys(real());
      for (const key of Reflect.ownKeys(target)) {
        const own = Reflect.getOwnPropertyDescriptor(target, key);
        if (!own.configurable && !keys.includes(key)) keys.push(key);
      }
      return keys;
    },
    getOwnPropertyDescriptor(target, key) {
      const own = Reflect.getOwnPropertyDescriptor(target, key);
      if (own !== undefined && !own.configurable) return own;
      const descriptor = Reflect.getOwnPropertyDescriptor(real(), key);
      if (descriptor !== undefined) descriptor.configurable = true;
      return descriptor;
    },
  };
}

/** The `bun` module's export `name`: the member, or its stand-in while it
 * is not loaded yet. */
export function bunExport(name) {
  const descriptor = Object.getOwnPropertyDescriptor(Bun, name);
  if (descriptor?.get !== undefined && descriptor.set !== undefined) {
    return standIn(name, members[name].shape);
  }
  try {
    return Bun[name];
  } catch {
    // A getter that cannot answer yet leaves its export undefined.
    return undefined;
  }
}
