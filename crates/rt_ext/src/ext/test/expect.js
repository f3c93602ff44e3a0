// bun:test's `expect`: the Jest matchers and Bun's own, `.not`, `.resolves`,
// `.rejects`, asymmetric matchers, `expect.extend`, `expect.assertions`.
// A failed matcher throws an Error whose message is Bun's:
// `expect(received).toBe(expected)`, a blank line, then what differed.

import { show, diff, isAsymmetric } from "ext:rt_bun/format.js";
import { equals, matchesObject } from "ext:rt_bun/equals.js";
import { isMock } from "ext:rt_test/mock.js";
import { Any, Anything, ArrayContaining, Asymmetric, CloseTo, ObjectContaining, StringContaining, StringMatching } from "ext:rt_test/asymmetric.js";

/** Per-test counters the runner reads and resets. */
const counters = { calls: 0, expected: null, hasAssertions: false };

class ExpectError extends Error {
  constructor(message, matcher) {
    super(message);
    this.matcherResult = matcher;
  }
}
Object.defineProperty(ExpectError.prototype, "name", { value: "Error" });

/** An `expect.extend` matcher used asymmetrically (`expect.toBeEven()`). */
class Custom extends Asymmetric {
  constructor(name, fn, args, inverse) {
    super(args, inverse);
    this.customName = name;
    this.fn = fn;
  }
  get name() {
    return this.customName;
  }
  match(other) {
    return !!this.fn.call(matcherContext(false), other, ...this.sample).pass;
  }
  describe() {
    return `<${this.sample.map(show).join(", ")}>`;
  }
}

// --- matchers -------------------------------------------------------------

function header(name, isNot, args = "expected") {
  return `expect(received).${isNot ? "not." : ""}${name}(${args})`;
}

/** Each matcher: (received, ...args) -> { pass, message(isNot) }. */
const matchers = {
  toBe(received, expected) {
    return {
      pass: Object.is(received, expected),
      message: (isNot) => {
        if (isNot) return `Expected: not ${show(expected)}`;
        const d = typeof received === "object" && typeof expected === "object" &&
            equals(received, expected, true)
          ? "\n\nIf this test should pass, replace \"toBe\" with \"toEqual\" or \"toStrictEqual\""
          : "";
        return `Expected: ${show(expected)}\nReceived: ${show(received)}${d}`;
      },
    };
  },
  toEqual(received, expected) {
    return equalityResult(received, expected, equals(received, expected, false));
  },
  toStrictEqual(received, expected) {
    return equalityResult(received, expected, equals(received, expected, true));
  },
  toMatchObject(received, expected) {
    if (typeof received !== "object" || received === null) {
      throw new ExpectError(
        `${header("toMatchObject", false)}\n\nMatcher error: received value must be a non-null object\n\nReceived: ${show(received)}`,
      );
    }
    return equalityResult(received, expected, matchesObject(received, expected));
  },
  toBeNull: (r) => simple(r === null, "null", r),
  toBeUndefined: (r) => simple(r === undefined, "undefined", r),
  toBeDefined: (r) => ({
    pass: r !== undefined,
    message: (isNot) => `Received: ${show(r)}${isNot ? "" : ""}`,
  }),
  toBeNaN: (r) => simple(Number.isNaN(r), "NaN", r),
  toBeTruthy: (r) => ({ pass: !!r, message: () => `Received: ${show(r)}` }),
  toBeFalsy: (r) => ({ pass: !r, message: () => `Received: ${show(r)}` }),
  toBeTrue: (r) => simple(r === true, "true", r),
  toBeFalse: (r) => simple(r === false, "false", r),
  toBeNil: (r) => simple(r === null || r === undefined, "null or undefined", r),
  toBeBoolean: (r) => typeCheck(typeof r === "boolean" || r instanceof Boolean, "boolean", r),
  toBeString: (r) => typeCheck(typeof r === "string" || r instanceof String, "string", r),
  toBeNumber: (r) => typeCheck(typeof r === "number" || r instanceof Number, "number", r),
  toBeInteger: (r) => typeCheck(Number.isInteger(r), "integer", r),
  toBeFunction: (r) => typeCheck(typeof r === "function", "function", r),
  toBeSymbol: (r) => typeCheck(typeof r === "symbol", "symbol", r),
  toBeArray: (r) => typeCheck(Array.isArray(r), "array", r),
  toBeObject: (r) => typeCheck(r !== null && typeof r === "object", "object", r),
  toBeDate: (r) => typeCheck(r instanceof Date, "date", r),
  toBeValidDate: (r) => typeCheck(r instanceof Date && !Number.isNaN(r.getTime()), "valid date", r),
  toBeFinite: (r) => typeCheck(Number.isFinite(r), "finite number", r),
  toBePositive: (r) => typeCheck(typeof r === "number" && r > 0, "positive number", r),
  toBeNegative: (r) => typeCheck(typeof r === "number" && r < 0, "negative number", r),
  toBeEven: (r) => typeCheck(Number.isInteger(r) && r % 2 === 0, "even number", r),
  toBeOdd: (r) => typeCheck(Number.isInteger(r) && Math.abs(r % 2) === 1, "odd number", r),
  toBeArrayOfSize(r, size) {
    return {
      pass: Array.isArray(r) && r.length === size,
      message: () => `Expected: array of size ${size}\nReceived: ${show(r)}`,
    };
  },
  toBeTypeOf(r, type) {
    const actual = typeof r;
    return {
      pass: actual === type,
      message: (isNot) => `Expected type: ${isNot ? "not " : ""}${show(type)}\nReceived type: ${show(actual)}\nReceived value: ${show(r)}`,
    };
  },
  toBeInstanceOf(r, ctor) {
    if (typeof ctor !== "function") {
      throw new ExpectError(`${header("toBeInstanceOf", false)}\n\nExpected constructor must be callable`);
    }
    return {
      pass: r instanceof ctor,
      message: (isNot) => `Expected constructor: ${isNot ? "not " : ""}${show(ctor)}\nReceived value: ${show(r)}`,
    };
  },
  toBeGreaterThan: (r, n) => compare(r, n, ">", r > n),
  toBeGreaterThanOrEqual: (r, n) => compare(r, n, ">=", r >= n),
  toBeLessThan: (r, n) => compare(r, n, "<", r < n),
  toBeLessThanOrEqual: (r, n) => compare(r, n, "<=", r <= n),
  toBeWithin(r, start, end) {
    return {
      pass: typeof r === "number" && r >= start && r < end,
      message: () => `Expected: between ${start} (inclusive) and ${end} (exclusive)\nReceived: ${show(r)}`,
    };
  },
  toBeCloseTo(r, expected, digits = 2) {
    const pass = (r === Infinity && expected === Infinity) ||
      (r === -Infinity && expected === -Infinity) ||
      Math.abs(expected - r) < Math.pow(10, -digits) / 2;
    return {
      pass,
      message: () => `Expected: ${show(expected)}\nReceived: ${show(r)}\n\nExpected precision: ${digits}\nExpected difference: < ${Math.pow(10, -digits) / 2}\nReceived difference: ${Math.abs(expected - r)}`,
    };
  },
  toBeEmpty(r) {
    let pass;
    if (typeof r === "string" || Array.isArray(r) || ArrayBuffer.isView(r)) pass = r.length === 0;
    else if (r instanceof Map || r instanceof Set) pass = r.size === 0;
    else if (r !== null && typeof r === "object") {
      pass = typeof r[Symbol.iterator] === "function"
        ? r[Symbol.iterator]().next().done
        : Object.keys(r).length === 0;
    } else pass = false;
    return { pass, message: () => `Received: ${show(r)}` };
  },
  toBeEmptyObject(r) {
    return {
      pass: r !== null && typeof r === "object" && Reflect.ownKeys(r).length === 0,
      message: () => `Received: ${show(r)}`,
    };
  },
  toBeOneOf(r, list) {
    const items = [...list];
    return {
      pass: items.some((item) => equals(r, item)),
      message: (isNot) => `Expected: ${isNot ? "not " : ""}one of ${show(items)}\nReceived: ${show(r)}`,
    };
  },
  toHaveLength(r, length) {
    const actual = r?.length;
    return {
      pass: actual === length,
      message: (isNot) => `Expected length: ${isNot ? "not " : ""}${length}\nReceived length: ${actual}`,
    };
  },
  toContain(r, item) {
    let pass;
    if (typeof r === "string") pass = r.includes(String(item));
    else if (r != null && typeof r[Symbol.iterator] === "function") {
      pass = false;
      for (const v of r) {
        if (v === item) {
          pass = true;
          break;
        }
      }
    } else {
      throw new ExpectError(`${header("toContain", false)}\n\nReceived value must be an array type, or both received and expected values must be strings.`);
    }
    return {
      pass,
      message: (isNot) => `Expected to ${isNot ? "not " : ""}contain: ${show(item)}\nReceived: ${show(r)}`,
    };
  },
  toContainEqual(r, item) {
    const pass = r != null && [...r].some((v) => equals(v, item));
    return {
      pass,
      message: (isNot) => `Expected to ${isNot ? "not " : ""}contain: ${show(item)}\nReceived: ${show(r)}`,
    };
  },
  toInclude(r, sub) {
    return {
      pass: typeof r === "string" && r.includes(sub),
      message: (isNot) => `Expected to ${isNot ? "not " : ""}include: ${show(sub)}\nReceived: ${show(r)}`,
    };
  },
  toIncludeRepeated(r, sub, times) {
    const count = typeof r === "string" ? r.split(sub).length - 1 : 0;
    return {
      pass: count === times,
      message: () => `Expected to include: ${show(sub)} ${times} times\nReceived: ${show(r)}`,
    };
  },
  toStartWith(r, prefix) {
    return {
      pass: typeof r === "string" && r.startsWith(prefix),
      message: (isNot) => `Expected to ${isNot ? "not " : ""}start with: ${show(prefix)}\nReceived: ${show(r)}`,
    };
  },
  toEndWith(r, suffix) {
    return {
      pass: typeof r === "string" && r.endsWith(suffix),
      message: (isNot) => `Expected to ${isNot ? "not " : ""}end with: ${show(suffix)}\nReceived: ${show(r)}`,
    };
  },
  toEqualIgnoringWhitespace(r, expected) {
    const strip = (s) => String(s).replace(/\s+/g, "");
    return {
      pass: typeof r === "string" && strip(r) === strip(expected),
      message: () => `Expected: ${show(expected)}\nReceived: ${show(r)}`,
    };
  },
  toMatch(r, pattern) {
    if (typeof r !== "string") {
      throw new ExpectError(`${header("toMatch", false)}\n\nReceived value must be a string\n\nReceived: ${show(r)}`);
    }
    const pass = typeof pattern === "string" ? r.includes(pattern) : new RegExp(pattern).test(r);
    const what = typeof pattern === "string" ? "substring" : "pattern";
    return {
      pass,
      message: (isNot) => `Expected ${what}: ${isNot ? "not " : ""}${show(pattern)}\nReceived: ${show(r)}`,
    };
  },
  toHaveProperty(r, path, ...value) {
    const keys = Array.isArray(path) ? path : String(path).split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== "");
    let current = r;
    let found = true;
    for (const key of keys) {
      if (current === null || current === undefined || !(Object(current) instanceof Object) || !(key in Object(current))) {
        found = false;
        break;
      }
      current = current[key];
    }
    const pass = found && (value.length === 0 || equals(current, value[0]));
    return {
      pass,
      message: (isNot) => {
        let out = `Expected path: ${isNot ? "not " : ""}${show(path)}`;
        if (value.length) out += `\n\nExpected value: ${show(value[0])}`;
        out += found ? `\nReceived value: ${show(current)}` : "\n\nUnable to find property";
        return out;
      },
      args: value.length ? "path, value" : "path",
    };
  },
  toContainKey: (r, key) => keyCheck(r, [key], "every", "contain key"),
  toContainKeys: (r, keys) => keyCheck(r, keys, "every", "contain keys"),
  toContainAllKeys(r, keys) {
    const own = r && typeof r === "object" ? Object.keys(r) : [];
    return {
      pass: own.length === keys.length && keys.every((k) => own.includes(k)),
      message: () => `Expected to contain all keys: ${show(keys)}\nReceived: ${show(r)}`,
    };
  },
  toContainAnyKeys: (r, keys) => keyCheck(r, keys, "some", "contain any keys"),
  toContainValue(r, value) {
    const values = r && typeof r === "object" ? Object.values(r) : [];
    return {
      pass: values.some((v) => equals(v, value)),
      message: () => `Expected to contain value: ${show(value)}\nReceived: ${show(r)}`,
    };
  },
  toSatisfy(r, predicate) {
    return { pass: !!predicate(r), message: () => `Received: ${show(r)}` };
  },
  toThrow(r, expected) {
    return throwResult(r, expected, this);
  },
  toHaveBeenCalled(fn) {
    const calls = mockCalls(fn, "toHaveBeenCalled");
    return {
      pass: calls.length > 0,
      message: (isNot) => `Expected number of calls: ${isNot ? "0" : ">= 1"}\nReceived number of calls: ${calls.length}`,
      args: "",
    };
  },
  toHaveBeenCalledOnce(fn) {
    const calls = mockCalls(fn, "toHaveBeenCalledOnce");
    return {
      pass: calls.length === 1,
      message: () => `Expected number of calls: 1\nReceived number of calls: ${calls.length}`,
      args: "",
    };
  },
  toHaveBeenCalledTimes(fn, times) {
    const calls = mockCalls(fn, "toHaveBeenCalledTimes");
    return {
      pass: calls.length === times,
      message: (isNot) => `Expected number of calls: ${isNot ? "not " : ""}${times}\nReceived number of calls: ${calls.length}`,
    };
  },
  toHaveBeenCalledWith(fn, ...args) {
    const calls = mockCalls(fn, "toHaveBeenCalledWith");
    return callsResult(calls, args, calls.some((c) => equals(c, args)), "...expected");
  },
  toHaveBeenLastCalledWith(fn, ...args) {
    const calls = mockCalls(fn, "toHaveBeenLastCalledWith");
    const last = calls[calls.length - 1];
    return callsResult(last ? [last] : [], args, !!last && equals(last, args), "...expected");
  },
  toHaveBeenNthCalledWith(fn, n, ...args) {
    const calls = mockCalls(fn, "toHaveBeenNthCalledWith");
    const call = calls[n - 1];
    return callsResult(call ? [call] : [], args, !!call && equals(call, args), "n, ...expected");
  },
  toHaveReturned(fn) {
    const results = mockResults(fn, "toHaveReturned");
    const n = results.filter((r) => r.type === "return").length;
    return { pass: n > 0, message: () => `Received number of returns: ${n}`, args: "" };
  },
  toHaveReturnedTimes(fn, times) {
    const n = mockResults(fn, "toHaveReturnedTimes").filter((r) => r.type === "return").length;
    return {
      pass: n === times,
      message: () => `Expected number of returns: ${times}\nReceived number of returns: ${n}`,
    };
  },
  toHaveReturnedWith(fn, value) {
    const results = mockResults(fn, "toHaveReturnedWith");
    return {
      pass: results.some((r) => r.type === "return" && equals(r.value, value)),
      message: () => `Expected: ${show(value)}\nReceived: ${show(results.map((r) => r.value))}`,
    };
  },
  toHaveLastReturnedWith(fn, value) {
    const results = mockResults(fn, "toHaveLastReturnedWith");
    const last = results[results.length - 1];
    return {
      pass: !!last && last.type === "return" && equals(last.value, value),
      message: () => `Expected: ${show(value)}\nReceived: ${show(last?.value)}`,
    };
  },
  toHaveNthReturnedWith(fn, n, value) {
    const results = mockResults(fn, "toHaveNthReturnedWith");
    const nth = results[n - 1];
    return {
      pass: !!nth && nth.type === "return" && equals(nth.value, value),
      message: () => `Expected: ${show(value)}\nReceived: ${show(nth?.value)}`,
    };
  },
  toMatchSnapshot() {
    throw new ExpectError("toMatchSnapshot() is not supported by rt test");
  },
  toMatchInlineSnapshot() {
    throw new ExpectError("toMatchInlineSnapshot() is not supported by rt test");
  },
  toThrowErrorMatchingSnapshot() {
    throw new ExpectError("toThrowErrorMatchingSnapshot() is not supported by rt test");
  },
  toThrowErrorMatchingInlineSnapshot() {
    throw new ExpectError("toThrowErrorMatchingInlineSnapshot() is not supported by rt test");
  },
};

// Jest's aliases.
const aliases = {
  toThrowError: "toThrow",
  toBeCalled: "toHaveBeenCalled",
  toBeCalledTimes: "toHaveBeenCalledTimes",
  toBeCalledWith: "toHaveBeenCalledWith",
  lastCalledWith: "toHaveBeenLastCalledWith",
  toHaveBeenLastCalledWith: "toHaveBeenLastCalledWith",
  nthCalledWith: "toHaveBeenNthCalledWith",
  toReturn: "toHaveReturned",
  toReturnTimes: "toHaveReturnedTimes",
  toReturnWith: "toHaveReturnedWith",
  lastReturnedWith: "toHaveLastReturnedWith",
  nthReturnedWith: "toHaveNthReturnedWith",
};
for (const [alias, name] of Object.entries(aliases)) matchers[alias] ??= matchers[name];

function simple(pass, what, received) {
  return { pass, message: () => `Received: ${show(received)}`, args: "", what };
}

function typeCheck(pass, what, received) {
  return {
    pass,
    message: (isNot) => `Expected: ${isNot ? "not " : ""}${what}\nReceived: ${show(received)}`,
    args: "",
  };
}

function compare(received, expected, op, pass) {
  const numeric = (v) => typeof v === "number" || typeof v === "bigint";
  if (!numeric(received) || !numeric(expected)) {
    throw new ExpectError(`Expected and received values must be numbers or bigints\n\nExpected: ${show(expected)}\nReceived: ${show(received)}`);
  }
  return {
    pass,
    message: (isNot) => `Expected: ${isNot ? "not " : ""}${op} ${show(expected)}\nReceived: ${show(received)}`,
  };
}

function keyCheck(r, keys, how, words) {
  const has = (k) => r !== null && r !== undefined && Object.prototype.hasOwnProperty.call(Object(r), k);
  return {
    pass: keys[how](has),
    message: (isNot) => `Expected to ${isNot ? "not " : ""}${words}: ${show(keys)}\nReceived: ${show(r)}`,
  };
}

function equalityResult(received, expected, pass) {
  return {
    pass,
    message: (isNot) => {
      if (isNot) return `Expected: not ${show(expected)}`;
      const d = diff(expected, received);
      return d ?? `Expected: ${show(expected)}\nReceived: ${show(received)}`;
    },
  };
}

function mockCalls(fn, name) {
  if (!isMock(fn)) {
    throw new ExpectError(`${header(name, false, "")}\n\nMatcher error: received value must be a mock or spy function\n\nReceived: ${show(fn)}`);
  }
  return fn.mock.calls;
}

function mockResults(fn, name) {
  mockCalls(fn, name);
  return fn.mock.results;
}

function callsResult(calls, args, pass, signature) {
  return {
    pass,
    args: signature,
    message: (isNot) => {
      if (isNot) return `Expected: not ${show(args)}`;
      if (calls.length === 0) {
        return `Expected: ${show(args)}\nReceived: ${calls.length ? show(calls) : "0 calls"}`;
      }
      if (calls.length === 1) {
        return diff(args, calls[0]) ?? `Expected: ${show(args)}\nReceived: ${show(calls[0])}`;
      }
      return `Expected: ${show(args)}\nReceived:\n${calls.map((c, i) => `  ${i + 1}: ${show(c)}`).join("\n")}\n\nNumber of calls: ${calls.length}`;
    },
  };
}

function throwResult(received, expected, ctx) {
  let thrown = false;
  let error;
  if (ctx.promise) {
    // `.rejects.toThrow()`: the rejection value is the thrown error.
    thrown = ctx.promise === "rejects";
    error = received;
  } else {
    if (typeof received !== "function") {
      throw new ExpectError(`${header("toThrow", false)}\n\nMatcher error: received value must be a function\n\nReceived: ${show(received)}`);
    }
    try {
      received();
    } catch (e) {
      thrown = true;
      error = e;
    }
  }
  const message = error !== null && typeof error === "object" ? error.message : error;
  if (expected === undefined) {
    return {
      pass: thrown,
      args: "",
      message: (isNot) => isNot
        ? `Error name: ${show(error?.name)}\nError message: ${show(message)}`
        : "Received function did not throw",
    };
  }
  if (!thrown) {
    return {
      pass: false,
      message: () => describeExpected(expected) + "\n\nReceived function did not throw",
    };
  }
  let pass;
  if (typeof expected === "string") pass = String(message).includes(expected);
  else if (expected instanceof RegExp) pass = expected.test(String(message));
  else if (typeof expected === "function") pass = error instanceof expected;
  else if (isAsymmetric(expected)) pass = !!expected.asymmetricMatch(error);
  else if (expected !== null && typeof expected === "object") {
    pass = message === expected.message;
  } else pass = false;
  return {
    pass,
    message: (isNot) => {
      const e = describeExpected(expected, isNot);
      if (typeof expected === "function") {
        return `${e}\nReceived constructor: ${show(error?.constructor)}\n\nReceived message: ${show(message)}`;
      }
      return `${e}\nReceived message: ${show(message)}`;
    },
  };
}

function describeExpected(expected, isNot = false) {
  const not = isNot ? "not " : "";
  if (typeof expected === "string") return `Expected substring: ${not}${show(expected)}`;
  if (expected instanceof RegExp) return `Expected pattern: ${not}${show(expected)}`;
  if (typeof expected === "function") return `Expected constructor: ${not}${show(expected)}`;
  return `Expected message: ${not}${show(expected?.message ?? expected)}`;
}

// --- expect() -------------------------------------------------------------

function matcherContext(isNot, promise) {
  return {
    isNot,
    promise,
    equals,
    utils: {
      printReceived: show,
      printExpected: show,
      matcherHint: (name) => header(name, isNot),
      stringify: show,
    },
  };
}

function runMatcher(name, fn, received, args, isNot, promise, customMessage) {
  const result = fn.call(matcherContext(isNot, promise), received, ...args);
  const check = (result) => {
    if (!!result.pass === isNot) {
      const head = customMessage ??
        header(name, isNot, result.args ?? (fn.length > 1 || args.length ? "expected" : ""));
      let body = typeof result.message === "function" ? result.message(isNot) : result.message;
      if (body === undefined) body = "";
      const text = customMessage !== undefined ? `${head}\n\n${body}` : `${head}\n\n${body}`;
      const error = new ExpectError(text, { pass: result.pass });
      if (Error.captureStackTrace) Error.captureStackTrace(error, runMatcher);
      throw error;
    }
  };
  if (result && typeof result.then === "function") return result.then(check);
  check(result);
  return undefined;
}

function makeMatchers(received, isNot, promise, customMessage) {
  const target = {};
  const all = { ...matchers, ...extensions };
  for (const name of Object.keys(all)) {
    target[name] = function (...args) {
      const fn = all[name];
      if (promise) {
        return Promise.resolve(received).then(
          (value) => {
            if (promise === "rejects") {
              throw new ExpectError(`${header(name, isNot)}\n\nReceived promise resolved instead of rejected\nResolved to value: ${show(value)}`);
            }
            return runMatcher(name, fn, value, args, isNot, promise, customMessage);
          },
          (reason) => {
            if (promise === "resolves") {
              throw new ExpectError(`${header(name, isNot)}\n\nReceived promise rejected instead of resolved\nRejected to value: ${show(reason)}`);
            }
            return runMatcher(name, fn, reason, args, isNot, promise, customMessage);
          },
        );
      }
      return runMatcher(name, fn, received, args, isNot, promise, customMessage);
    };
  }
  return target;
}

const extensions = {};

function expect(received, customMessage) {
  counters.calls++;
  const base = makeMatchers(received, false, undefined, customMessage);
  Object.defineProperties(base, {
    not: { get: () => withModifiers(received, true, undefined, customMessage) },
    resolves: { get: () => promiseMatchers(received, "resolves", customMessage) },
    rejects: { get: () => promiseMatchers(received, "rejects", customMessage) },
  });
  return base;
}

function withModifiers(received, isNot, promise, customMessage) {
  return makeMatchers(received, isNot, promise, customMessage);
}

function promiseMatchers(received, kind, customMessage) {
  const value = typeof received === "function" ? received() : received;
  if (!value || typeof value.then !== "function") {
    throw new ExpectError(`expect(received).${kind}\n\nMatcher error: received value must be a promise\n\nReceived: ${show(value)}`);
  }
  const base = makeMatchers(value, false, kind, customMessage);
  Object.defineProperty(base, "not", {
    get: () => makeMatchers(value, true, kind, customMessage),
  });
  return base;
}

expect.any = (ctor) => new Any(ctor);
expect.anything = () => new Anything();
expect.stringContaining = (s) => new StringContaining(s);
expect.stringMatching = (re) => new StringMatching(re);
expect.objectContaining = (o) => new ObjectContaining(o);
expect.arrayContaining = (a) => new ArrayContaining(a);
expect.closeTo = (n, digits) => new CloseTo(n, digits);
expect.not = {
  stringContaining: (s) => new StringContaining(s, true),
  stringMatching: (re) => new StringMatching(re, true),
  objectContaining: (o) => new ObjectContaining(o, true),
  arrayContaining: (a) => new ArrayContaining(a, true),
  closeTo: (n, digits) => new CloseTo(n, digits, true),
};
expect.assertions = (n) => {
  counters.expected = n;
};
expect.hasAssertions = () => {
  counters.hasAssertions = true;
};
expect.unreachable = (message) => {
  if (message instanceof Error) throw message;
  throw new ExpectError(message ?? "reached unreachable code");
};
expect.extend = (added) => {
  for (const [name, fn] of Object.entries(added)) {
    if (typeof fn !== "function") {
      throw new TypeError(`expect.extend: \`${name}\` is not a valid matcher. Must be a function, is "${typeof fn}"`);
    }
    extensions[name] = fn;
    expect[name] = (...args) => new Custom(name, fn, args, false);
    expect.not[name] = (...args) => new Custom(name, fn, args, true);
  }
};

function assertionError(message) {
  const error = new Error(message);
  error.name = "AssertionError";
  return error;
}

/** Checks expect.assertions / hasAssertions after a test, then resets. */
function checkAssertions() {
  const { calls, expected, hasAssertions } = counters;
  counters.calls = 0;
  counters.expected = null;
  counters.hasAssertions = false;
  if (expected !== null && calls !== expected) {
    return assertionError(`expected ${expected} assertion${expected === 1 ? "" : "s"}, but test ended with ${calls} assertion${calls === 1 ? "" : "s"}`);
  }
  if (hasAssertions && calls === 0) {
    return assertionError("expected at least one assertion, but test ended with none");
  }
  return null;
}

export { expect, counters, checkAssertions, ExpectError };
