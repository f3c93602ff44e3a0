// bun:test's deep equality: `toEqual` (undefined properties and array holes
// ignored, prototypes not compared) and `toStrictEqual` (both compared), with
// asymmetric matchers honoured on either side.

import { isAsymmetric } from "ext:rt_bun/format.js";

const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const tag = (v) => Object.prototype.toString.call(v);

function ownKeys(value, strict) {
  const keys = Object.keys(value).filter((k) => strict || value[k] !== undefined);
  for (const s of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, s)) keys.push(s);
  }
  return keys;
}

/** Deep equality; `strict` is toStrictEqual's. */
function equals(a, b, strict = false, seen = []) {
  if (isAsymmetric(a) && !isAsymmetric(b)) return !!a.asymmetricMatch(b);
  if (isAsymmetric(b) && !isAsymmetric(a)) return !!b.asymmetricMatch(a);
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  const ta = tag(a);
  if (ta !== tag(b)) return false;
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  for (const [x, y] of seen) {
    if (x === a) return y === b;
  }
  switch (ta) {
    case "[object Number]":
    case "[object String]":
    case "[object Boolean]":
    case "[object BigInt]":
      if (!Object.is(a.valueOf(), b.valueOf())) return false;
      break;
    case "[object Date]": {
      const x = a.getTime();
      const y = b.getTime();
      if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)))) return false;
      break;
    }
    case "[object RegExp]":
      return a.source === b.source && a.flags === b.flags;
    case "[object Error]":
      if (a.message !== b.message || a.name !== b.name) return false;
      break;
    case "[object ArrayBuffer]":
    case "[object SharedArrayBuffer]":
      return equalBytes(new Uint8Array(a), new Uint8Array(b));
    case "[object DataView]":
      return equalBytes(
        new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
        new Uint8Array(b.buffer, b.byteOffset, b.byteLength),
      );
  }
  if (ArrayBuffer.isView(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!Object.is(a[i], b[i])) return false;
    }
    return true;
  }
  seen.push([a, b]);
  try {
    if (a instanceof Map) {
      if (a.size !== b.size) return false;
      for (const [k, v] of a) {
        if (b.has(k)) {
          if (!equals(v, b.get(k), strict, seen)) return false;
          continue;
        }
        let found = false;
        for (const [k2, v2] of b) {
          if (equals(k, k2, strict, seen) && equals(v, v2, strict, seen)) {
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
      return true;
    }
    if (a instanceof Set) {
      if (a.size !== b.size) return false;
      for (const v of a) {
        if (b.has(v)) continue;
        let found = false;
        for (const v2 of b) {
          if (equals(v, v2, strict, seen)) {
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
      return true;
    }
    if (Array.isArray(a)) {
      if (a.length !== b.length) return false;
      for (let i = 0; i < a.length; i++) {
        if (strict && hasOwn(a, i) !== hasOwn(b, i)) return false;
        if (!equals(a[i], b[i], strict, seen)) return false;
      }
    }
    const ka = ownKeys(a, strict).filter((k) => !Array.isArray(a) || !isIndex(k));
    const kb = ownKeys(b, strict).filter((k) => !Array.isArray(b) || !isIndex(k));
    if (ka.length !== kb.length) return false;
    for (const k of ka) {
      if (!(strict ? hasOwn(b, k) : b[k] !== undefined || hasOwn(b, k))) return false;
      if (!equals(a[k], b[k], strict, seen)) return false;
    }
    return true;
  } finally {
    seen.pop();
  }
}

function isIndex(key) {
  return typeof key === "string" && /^(0|[1-9]\d*)$/.test(key);
}

function equalBytes(x, y) {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/** `toMatchObject`: every property of `expected` present and matching. */
function matchesObject(received, expected, seen = new Set()) {
  if (isAsymmetric(expected)) return !!expected.asymmetricMatch(received);
  if (typeof expected !== "object" || expected === null) return equals(received, expected);
  if (typeof received !== "object" || received === null) return false;
  if (seen.has(expected)) return true;
  seen.add(expected);
  if (Array.isArray(expected)) {
    if (!Array.isArray(received) || received.length !== expected.length) return false;
    return expected.every((v, i) => matchesObject(received[i], v, seen));
  }
  if (expected instanceof Date || expected instanceof RegExp || expected instanceof Map ||
    expected instanceof Set || ArrayBuffer.isView(expected)) {
    return equals(received, expected);
  }
  for (const k of ownKeys(expected, true)) {
    if (!(k in received)) return false;
    if (!matchesObject(received[k], expected[k], seen)) return false;
  }
  return true;
}

export { equals, matchesObject };
