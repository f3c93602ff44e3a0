// Headers (https://fetch.spec.whatwg.org/#headers-class), plus Bun's
// extras: toJSON(), count and getAll("set-cookie").
//
// The header list is an array of [lowercased name, value] pairs, which is
// also what crosses to Rust when a response is sent. A request's headers are
// filled from Rust only when the script first reads them.

import { primordials } from "ext:core/mod.js";
import { errors } from "ext:rt_web/01_errors.js";

const {
  ArrayPrototypeJoin,
  ArrayPrototypePush,
  ArrayPrototypeSort,
  ArrayPrototypeSplice,
  ObjectDefineProperties,
  ObjectDefineProperty,
  ObjectGetPrototypeOf,
  ReflectGetOwnPropertyDescriptor,
  ReflectOwnKeys,
  RegExpPrototypeTest,
  StringPrototypeToLowerCase,
  Symbol,
  SymbolFor,
  SymbolIterator,
  SymbolToStringTag,
  TypeError,
} = primordials;

/** The header list: `[name, value][]`, names lowercased. */
export const kList = Symbol("header list");
/** "immutable" | "request" | "response" | "none" */
export const kGuard = Symbol("guard");
/** A function filling the list on first access (lazy request headers). */
export const kFill = Symbol("fill");
/** The sorted-and-combined list iteration reads, until the next change. */
const kSorted = Symbol("sorted and combined");

// RFC 9110 token and field-value checks.
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// NUL, CR, LF, and anything outside Latin-1 (a value is a ByteString).
const INVALID_VALUE_RE = /[\0\r\n\u0100-\uffff]/;
const TRIM_RE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/** https://fetch.spec.whatwg.org/#concept-header-value-normalize */
function isHttpWhitespace(code) {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function normalizeValue(value) {
  // Most values have nothing to trim; the regex costs ~20 ns a character.
  const n = value.length;
  if (n === 0 || (!isHttpWhitespace(value.charCodeAt(0)) && !isHttpWhitespace(value.charCodeAt(n - 1)))) {
    return value;
  }
  return value.replace(TRIM_RE, "");
}

/** A header name argument: a valid token, returned lowercased. */
function headerName(name) {
  name = `${name}`;
  if (!RegExpPrototypeTest(TOKEN_RE, name)) {
    // Bun's message.
    throw new TypeError(`Invalid header name: '${name}'`);
  }
  return StringPrototypeToLowerCase(name);
}

/** A header value argument, normalized and checked (fetch section 2.2.2). */
function headerValue(name, value) {
  value = `${value}`;
  const normalized = normalizeValue(value);
  if (RegExpPrototypeTest(INVALID_VALUE_RE, normalized)) {
    throw new TypeError(`Header '${name}' has invalid value: '${value}'`);
  }
  return normalized;
}

function list(headers) {
  const fill = headers[kFill];
  if (fill !== undefined) {
    headers[kFill] = undefined;
    headers[kList] = fill();
  }
  return headers[kList];
}

/** The list, about to be changed: iteration re-sorts it next time. */
function changing(headers) {
  headers[kSorted] = undefined;
  return list(headers);
}

/** Appends to a header list without validation (trusted input). */
export function appendTrusted(headers, name, value) {
  ArrayPrototypePush(changing(headers), [name, value]);
}

/** The list, filled if lazy: for Request/Response internals (which may
 * change it). */
export function headerList(headers) {
  return changing(headers);
}

function checkMutable(headers) {
  if (headers[kGuard] === "immutable") {
    throw new TypeError("Headers are immutable");
  }
}

/** https://fetch.spec.whatwg.org/#concept-headers-fill */
function fill(headers, init) {
  if (init === null || typeof init !== "object") {
    throw new TypeError(
      "Headers init must be an object, an array of pairs or a Headers instance",
    );
  }
  // Overload resolution reads @@iterator once: a sequence if it has one.
  const method = init[SymbolIterator];
  // A Headers with its own iterator is copied as its list: the same
  // headers, and repeated names stay separate fields when sent. The brand
  // check runs no Proxy trap; a replaced iterator is honoured.
  if (method === entries && isHeaders(init)) {
    const source = list(init);
    for (let i = 0; i < source.length; i++) {
      appendTrusted(headers, source[i][0], source[i][1]);
    }
    return;
  }
  if (typeof method === "function") {
    for (const pair of init) {
      if (typeof pair === "string" || typeof pair?.[SymbolIterator] !== "function") {
        throw new TypeError("Each header pair must be an iterable [name, value]");
      }
      const entry = [...pair];
      if (entry.length !== 2) {
        throw new TypeError(
          `Each header pair must have exactly 2 items, got ${entry.length}`,
        );
      }
      headers.append(entry[0], entry[1]);
    }
    return;
  }
  // https://webidl.spec.whatwg.org/#es-to-record: the whole record is
  // converted first (each own enumerable key, then its value, as
  // ByteStrings), and only then appended.
  const keys = ReflectOwnKeys(init);
  const pairs = [];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    const desc = ReflectGetOwnPropertyDescriptor(init, key);
    if (desc === undefined || !desc.enumerable) continue;
    const name = byteString(key);
    ArrayPrototypePush(pairs, [name, byteString(init[key])]);
  }
  for (let i = 0; i < pairs.length; i++) headers.append(pairs[i][0], pairs[i][1]);
}

/** https://webidl.spec.whatwg.org/#es-ByteString */
function byteString(value) {
  if (typeof value === "symbol") {
    throw new TypeError("Cannot convert a Symbol value to a string");
  }
  const string = `${value}`;
  if (RegExpPrototypeTest(NON_LATIN1_RE, string)) {
    throw new TypeError(`'${string}' is not a valid ByteString`);
  }
  return string;
}
const NON_LATIN1_RE = /[^\0-\xff]/;

/** WebIDL: a TypeError when fewer than `required` arguments were given. */
function requireArgs(given, required) {
  if (given < required) {
    const error = errors.MissingArgs("Not enough arguments");
    throw error;
  }
}

/** How values of one name join: "; " for cookie (RFC 6265, as Bun), else ", ". */
function separator(name) {
  return name === "cookie" ? "; " : ", ";
}

function combine(name, a, b) {
  return `${a}${separator(name)}${b}`;
}

/** Headers that may appear once per response line set. */
const SET_COOKIE = "set-cookie";
const kIsHeaders = Symbol("isHeaders");

/** https://webidl.spec.whatwg.org/#es-iterator-prototype-object */
const HeadersIteratorPrototype = {
  __proto__: ObjectGetPrototypeOf(ObjectGetPrototypeOf([][SymbolIterator]())),
};
const kIteration = Symbol("iteration");

/** A default iterator: live, as WebIDL's pair iterators are (it reads the
 * sorted-and-combined list at its index on every step). */
function iterator(headers, kind) {
  const it = { __proto__: HeadersIteratorPrototype };
  it[kIteration] = { headers, kind, index: 0 };
  return it;
}

ObjectDefineProperties(HeadersIteratorPrototype, {
  next: {
    value: function next() {
      const state = this?.[kIteration];
      if (state === undefined) {
        throw new TypeError("next() called on an object that is not a Headers Iterator");
      }
      const pairs = sortedAndCombined(state.headers);
      if (state.index >= pairs.length) return { value: undefined, done: true };
      const [name, value] = pairs[state.index++];
      const result = state.kind === "key" ? name : state.kind === "value" ? value : [name, value];
      return { value: result, done: false };
    },
    writable: true,
    enumerable: true,
    configurable: true,
  },
  [SymbolToStringTag]: { value: "Headers Iterator", configurable: true },
});

/** https://fetch.spec.whatwg.org/#concept-header-list-sort-and-combine,
 * cached until the list changes. */
function sortedAndCombined(headers) {
  let out = headers[kSorted];
  if (out !== undefined) return out;
  // A stable sort by name keeps each name's values in list order; values
  // of one name are then adjacent and combine in one pass.
  const sorted = ArrayPrototypeSort([...list(headers)], byName);
  out = [];
  for (let i = 0; i < sorted.length; i++) {
    const [name, value] = sorted[i];
    const last = out.length - 1;
    if (name !== SET_COOKIE && last >= 0 && out[last][0] === name) {
      out[last] = [name, combine(name, out[last][1], value)];
    } else {
      ArrayPrototypePush(out, [name, value]);
    }
  }
  headers[kSorted] = out;
  return out;
}

function byName(a, b) {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

export class Headers {
  #brand = true;

  constructor(init = undefined) {
    this[kList] = [];
    this[kGuard] = "none";
    this[kFill] = undefined;
    this[kSorted] = undefined;
    if (init !== undefined) fill(this, init);
  }

  /** Whether `value` is a Headers (no Proxy trap runs). */
  static [kIsHeaders](value) {
    return value !== null && typeof value === "object" && #brand in value;
  }

  /** https://fetch.spec.whatwg.org/#dom-headers-append */
  append(name, value) {
    requireArgs(arguments.length, 2);
    // 1-2. Normalize value; throw if name or value is not valid.
    const lower = headerName(name);
    value = headerValue(name, value);
    checkMutable(this);
    ArrayPrototypePush(changing(this), [lower, value]);
  }

  /** https://fetch.spec.whatwg.org/#dom-headers-delete */
  delete(name) {
    requireArgs(arguments.length, 1);
    const lower = headerName(name);
    checkMutable(this);
    const l = changing(this);
    for (let i = l.length - 1; i >= 0; i--) {
      if (l[i][0] === lower) ArrayPrototypeSplice(l, i, 1);
    }
  }

  /** https://fetch.spec.whatwg.org/#dom-headers-get */
  get(name) {
    requireArgs(arguments.length, 1);
    const lower = headerName(name);
    const l = list(this);
    // Joined once at the end: repeated concatenation is quadratic.
    let values = null;
    for (let i = 0; i < l.length; i++) {
      if (l[i][0] === lower) {
        if (values === null) values = [l[i][1]];
        else ArrayPrototypePush(values, l[i][1]);
      }
    }
    if (values === null) return null;
    return values.length === 1 ? values[0] : ArrayPrototypeJoin(values, separator(lower));
  }

  /** https://fetch.spec.whatwg.org/#dom-headers-getsetcookie */
  getSetCookie() {
    const l = list(this);
    const out = [];
    for (let i = 0; i < l.length; i++) {
      if (l[i][0] === SET_COOKIE) ArrayPrototypePush(out, l[i][1]);
    }
    return out;
  }

  /** Bun: only "set-cookie" may be read as a list. */
  getAll(name) {
    if (StringPrototypeToLowerCase(`${name}`) !== SET_COOKIE) {
      throw new TypeError("Only \"set-cookie\" is supported by getAll");
    }
    return this.getSetCookie();
  }

  /** https://fetch.spec.whatwg.org/#dom-headers-has */
  has(name) {
    requireArgs(arguments.length, 1);
    const lower = headerName(name);
    const l = list(this);
    for (let i = 0; i < l.length; i++) if (l[i][0] === lower) return true;
    return false;
  }

  /** https://fetch.spec.whatwg.org/#dom-headers-set */
  set(name, value) {
    requireArgs(arguments.length, 2);
    const lower = headerName(name);
    value = headerValue(name, value);
    checkMutable(this);
    const l = changing(this);
    let found = false;
    for (let i = 0; i < l.length; i++) {
      if (l[i][0] !== lower) continue;
      if (!found) {
        l[i] = [lower, value];
        found = true;
      } else {
        ArrayPrototypeSplice(l, i--, 1);
      }
    }
    if (!found) ArrayPrototypePush(l, [lower, value]);
  }

  /** https://webidl.spec.whatwg.org/#es-forEach */
  forEach(callback, thisArg = undefined) {
    if (typeof callback !== "function") {
      throw new TypeError("Headers.forEach requires a function");
    }
    // Live, as the iterators are: each step reads the current list.
    for (let i = 0; ; i++) {
      const pairs = sortedAndCombined(this);
      if (i >= pairs.length) break;
      callback.call(thisArg, pairs[i][1], pairs[i][0], this);
    }
  }

  entries() {
    return iterator(this, "key+value");
  }

  keys() {
    return iterator(this, "key");
  }

  values() {
    return iterator(this, "value");
  }

  /** Bun: a plain object; set-cookie becomes an array. */
  toJSON() {
    const out = {};
    const l = list(this);
    for (let i = 0; i < l.length; i++) {
      const [name, value] = l[i];
      if (name === SET_COOKIE) {
        (out[name] ??= []).push(value);
      } else {
        out[name] = out[name] === undefined ? value : combine(name, out[name], value);
      }
    }
    return out;
  }

  /** Bun: the number of header names. */
  get count() {
    return sortedAndCombined(this).length;
  }

  get [Symbol.toStringTag]() {
    return "Headers";
  }

  [SymbolFor("Deno.privateCustomInspect")](inspect, options) {
    return `Headers ${inspect(this.toJSON(), options)}`;
  }
}

// WebIDL operations are enumerable, and @@iterator is `entries` itself.
for (const name of ["append", "delete", "get", "getSetCookie", "has", "set", "forEach", "entries", "keys", "values"]) {
  ObjectDefineProperty(Headers.prototype, name, { enumerable: true });
}
ObjectDefineProperty(Headers.prototype, SymbolIterator, {
  value: Headers.prototype.entries,
  writable: true,
  configurable: true,
});

const isHeaders = Headers[kIsHeaders];
const entries = Headers.prototype.entries;
delete Headers[kIsHeaders];

/** Headers over a list made elsewhere (no validation), with a guard. */
export function headersFromList(pairs, guard) {
  const headers = new Headers();
  headers[kList] = pairs;
  headers[kGuard] = guard;
  return headers;
}

/** Headers whose list is produced on first access. */
export function lazyHeaders(fillFn, guard) {
  const headers = new Headers();
  headers[kFill] = fillFn;
  headers[kGuard] = guard;
  return headers;
}
