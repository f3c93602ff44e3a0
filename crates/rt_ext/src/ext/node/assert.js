// node:assert: ok, equal, strictEqual, deepStrictEqual, throws and their
// negations, with Node's AssertionError (code ERR_ASSERTION).

import { codes } from "ext:rt_web/01_errors.js";

class AssertionError extends Error {
  constructor(options) {
    super(options.message);
    this.name = "AssertionError";
    this.code = codes.Assertion;
    this.actual = options.actual;
    this.expected = options.expected;
    this.operator = options.operator;
    this.generatedMessage = !options.userMessage;
  }
}

function show(value) {
  try {
    return typeof value === "string" ? JSON.stringify(value) : String(
      typeof value === "object" && value !== null ? JSON.stringify(value) : value,
    );
  } catch {
    return String(value);
  }
}

function fail(actual, expected, message, operator, defaultMessage) {
  if (message instanceof Error) throw message;
  throw new AssertionError({
    message: message ?? defaultMessage,
    userMessage: message !== undefined,
    actual,
    expected,
    operator,
  });
}

/** Deep equality: `strict` compares with Object.is and prototypes, loose
 * with `==`. */
function isDeepEqual(a, b, strict, seen = new Map()) {
  if (strict ? Object.is(a, b) : a == b || (a !== a && b !== b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const tagA = Object.prototype.toString.call(a);
  if (tagA !== Object.prototype.toString.call(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof RegExp) return String(a) === String(b);
  if (a instanceof Error && (a.message !== b.message || a.name !== b.name)) return false;
  if (ArrayBuffer.isView(a)) {
    if (a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  if (a instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !isDeepEqual(v, b.get(k), strict, seen)) return false;
    }
  } else if (a instanceof Set) {
    if (a.size !== b.size) return false;
    outer: for (const v of a) {
      if (b.has(v)) continue;
      if (typeof v === "object") {
        for (const w of b) if (isDeepEqual(v, w, strict, seen)) continue outer;
      }
      return false;
    }
  }
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  for (const key of keysA) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return false;
    if (!isDeepEqual(a[key], b[key], strict, seen)) return false;
  }
  return true;
}

function ok(value, message) {
  if (!value) fail(value, true, message, "==", `The expression evaluated to a falsy value:\n\n  ${show(value)}\n`);
}

function matches(err, expected, message) {
  if (expected === undefined) return;
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && err instanceof expected) return;
    if (Error.isPrototypeOf(expected) || expected === Error) {
      fail(err, expected, message, "throws", `The error is expected to be an instance of "${expected.name}". Received "${err?.name}"`);
    }
    if (expected.call({}, err) === true) return;
    fail(err, expected, message, "throws", "The validation function is expected to return \"true\"");
  }
  if (expected instanceof RegExp) {
    if (expected.test(String(err))) return;
    fail(err, expected, message, "throws", `The input did not match the regular expression ${expected}. Input:\n\n${show(String(err))}\n`);
  }
  if (typeof expected === "object" && expected !== null) {
    for (const key of Object.keys(expected)) {
      const want = expected[key];
      const got = err?.[key];
      const same = want instanceof RegExp && typeof got === "string"
        ? want.test(got)
        : isDeepEqual(got, want, true);
      if (!same) {
        fail(err, expected, message, "throws", `Expected values to be strictly deep-equal:\n${key}: ${show(got)} !== ${show(want)}`);
      }
    }
  }
}

const NO_THROW = Symbol("no exception");

const assert = (value, message) => ok(value, message);
Object.assign(assert, {
  AssertionError,
  ok,
  fail: (message = "Failed") => fail(undefined, undefined, message, "fail", message),
  equal(actual, expected, message) {
    if (!(actual == expected || (actual !== actual && expected !== expected))) {
      fail(actual, expected, message, "==", `${show(actual)} == ${show(expected)}`);
    }
  },
  notEqual(actual, expected, message) {
    if (actual == expected) fail(actual, expected, message, "!=", `${show(actual)} != ${show(expected)}`);
  },
  strictEqual(actual, expected, message) {
    if (!Object.is(actual, expected)) {
      fail(actual, expected, message, "strictEqual", `Expected values to be strictly equal:\n\n${show(actual)} !== ${show(expected)}\n`);
    }
  },
  notStrictEqual(actual, expected, message) {
    if (Object.is(actual, expected)) {
      fail(actual, expected, message, "notStrictEqual", `Expected "actual" to be strictly unequal to: ${show(expected)}`);
    }
  },
  deepEqual(actual, expected, message) {
    if (!isDeepEqual(actual, expected, false)) {
      fail(actual, expected, message, "deepEqual", `Expected values to be loosely deep-equal:\n\n${show(actual)}\n\nshould loosely deep-equal\n\n${show(expected)}`);
    }
  },
  notDeepEqual(actual, expected, message) {
    if (isDeepEqual(actual, expected, false)) {
      fail(actual, expected, message, "notDeepEqual", `"actual" should not loosely deep-equal "expected"`);
    }
  },
  deepStrictEqual(actual, expected, message) {
    if (!isDeepEqual(actual, expected, true)) {
      fail(actual, expected, message, "deepStrictEqual", `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${show(actual)}\n- ${show(expected)}`);
    }
  },
  notDeepStrictEqual(actual, expected, message) {
    if (isDeepEqual(actual, expected, true)) {
      fail(actual, expected, message, "notDeepStrictEqual", `Expected "actual" not to be strictly deep-equal to: ${show(expected)}`);
    }
  },
  throws(fn, expected, message) {
    if (typeof expected === "string") {
      message = expected;
      expected = undefined;
    }
    let err = NO_THROW;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    if (err === NO_THROW) fail(undefined, expected, message, "throws", "Missing expected exception.");
    matches(err, expected, message);
  },
  doesNotThrow(fn, message) {
    try {
      fn();
    } catch (err) {
      fail(err, undefined, typeof message === "string" ? message : undefined, "doesNotThrow", `Got unwanted exception.\nActual message: "${err?.message}"`);
    }
  },
  async rejects(promiseOrFn, expected, message) {
    let err = NO_THROW;
    try {
      await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
    } catch (e) {
      err = e;
    }
    if (err === NO_THROW) fail(undefined, expected, message, "rejects", "Missing expected rejection.");
    matches(err, expected, message);
  },
  async doesNotReject(promiseOrFn, message) {
    try {
      await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
    } catch (err) {
      fail(err, undefined, message, "doesNotReject", `Got unwanted rejection.\nActual message: "${err?.message}"`);
    }
  },
  match(string, regexp, message) {
    if (!regexp.test(string)) {
      fail(string, regexp, message, "match", `The input did not match the regular expression ${regexp}. Input:\n\n${show(string)}\n`);
    }
  },
  ifError(value) {
    if (value !== null && value !== undefined) throw value;
  },
  isDeepEqual,
});
assert.strict = assert;
export default assert;
export const {
  equal,
  notEqual,
  strictEqual,
  notStrictEqual,
  deepEqual,
  notDeepEqual,
  deepStrictEqual,
  notDeepStrictEqual,
  throws,
  doesNotThrow,
  rejects,
  doesNotReject,
  match,
  ifError,
  strict,
} = assert;
// Members whose module-level binding is another value.
const {
  AssertionError: AssertionError$,
  ok: ok$,
  fail: fail$,
  isDeepEqual: isDeepEqual$,
} = assert;
export {
  AssertionError$ as AssertionError,
  ok$ as ok,
  fail$ as fail,
  isDeepEqual$ as isDeepEqual,
};
