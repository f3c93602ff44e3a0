// The `bun` module: `import { serve, file } from "bun"` names the `Bun`
// global's members; the default export is `Bun` itself.
//
// An ES module's exports are values, so a member whose code loads on first
// use (Bun.password, Bun.redis, Bun.escapeHTML, ...) would load here for
// every `import { serve } from "bun"`, about 6 ms of compiling. Such a
// member is exported as a stand-in that loads the real one when first
// called, constructed or read: a forwarding function, or a Proxy for
// classes and objects.

(function () {
const bun = globalThis.Bun;

const CLASSES = new Set([
  "CryptoHasher", "MD4", "MD5", "SHA1", "SHA224", "SHA256", "SHA384", "SHA512",
  "SHA512_256", "ArrayBufferSink", "RedisClient",
]);
const OBJECTS = new Set(["password", "redis"]);
// Function members with function properties of their own.
const STATICS = {
  hash: [
    "wyhash", "adler32", "crc32", "cityHash32", "cityHash64", "xxHash32",
    "xxHash64", "xxHash3", "murmur32v2", "murmur32v3", "murmur64v2", "rapidhash",
  ],
  peek: ["status"],
};

function forwarder(name, get) {
  return {
    [name](...args) {
      return Reflect.apply(get(), this, args);
    },
  }[name];
}

function standIn(name) {
  const real = () => bun[name];
  if (CLASSES.has(name)) {
    // A function expression (not a method) so that the proxy can be
    // constructed; calls without `new` still reach the class and fail as it does.
    const target = function () {};
    Object.defineProperty(target, "name", { value: name });
    const proxy = new Proxy(target, {
      apply: (_, self, args) => Reflect.apply(real(), self, args),
      construct: (_, args, newTarget) =>
        Reflect.construct(real(), args, newTarget === proxy ? real() : newTarget),
      get: (_, key) => Reflect.get(real(), key),
      set: (_, key, value) => Reflect.set(real(), key, value),
      has: (_, key) => Reflect.has(real(), key),
      getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    });
    return proxy;
  }
  if (OBJECTS.has(name)) {
    // Methods run with the real object as `this` (they use private fields).
    return new Proxy({}, {
      get(_, key) {
        const target = real();
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
      set: (_, key, value) => Reflect.set(real(), key, value),
      has: (_, key) => Reflect.has(real(), key),
      getPrototypeOf: () => Reflect.getPrototypeOf(real()),
    });
  }
  const fn = forwarder(name, real);
  for (const key of STATICS[name] ?? []) {
    Object.defineProperty(fn, key, {
      value: forwarder(key, () => real()[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return fn;
}

const exports = { default: bun };
for (const key of Object.getOwnPropertyNames(bun)) {
  if (key === "default") continue;
  const descriptor = Object.getOwnPropertyDescriptor(bun, key);
  if (descriptor.get !== undefined && descriptor.set !== undefined) {
    // A member not loaded yet (the lazy ones have a setter too).
    exports[key] = standIn(key);
    continue;
  }
  try {
    exports[key] = bun[key];
  } catch {
    // A getter that cannot answer yet leaves its export undefined.
    exports[key] = undefined;
  }
}
return exports;
})();
