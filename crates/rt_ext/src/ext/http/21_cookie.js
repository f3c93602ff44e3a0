// `Bun.Cookie` and `Bun.CookieMap` (https://bun.com/docs/api/cookie): one
// cookie with its attributes, and the cookies of a request, whose changes
// become `Set-Cookie` headers on the response (`req.cookies`). Serialized
// as RFC 6265bis describes, with values percent-encoded as Bun does.

const kChanges = Symbol("changes");
const kOriginal = Symbol("original");
/** Marks the Cookie that `delete()` leaves in place of a cookie. */
const kDeleted = Symbol("deleted");

/** RFC 9110 token characters: what a cookie name may hold. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const SAME_SITE = ["strict", "lax", "none"];
const EPOCH = new Date(0);

function cookieError(message) {
  return new TypeError(message);
}

/** Percent-decoding that keeps a value it cannot decode. */
function decode(text) {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function checkName(name) {
  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw cookieError("Invalid cookie name: contains invalid characters");
  }
}

/** An `expires` option (Date, ms number or date string) -> Date or undefined. */
function toDate(value) {
  if (value === undefined || value === null) return undefined;
  const date = value instanceof Date ? new Date(value.getTime()) : new Date(value);
  if (Number.isNaN(date.getTime())) throw cookieError("Invalid cookie expiration date");
  return date;
}

/** One cookie: name, value and the Set-Cookie attributes. */
export class Cookie {
  /**
   * `new Cookie(name, value, options?)`, `new Cookie(setCookieString)` or
   * `new Cookie({ name, value, ...options })`.
   */
  constructor(name, value = undefined, options = undefined) {
    if (typeof name === "object" && name !== null) {
      options = name;
      value = name.value;
      name = name.name;
    } else if (value === undefined && typeof name === "string" && name.includes("=")) {
      return Cookie.parse(name);
    }
    checkName(name);
    this.name = name;
    this.value = value === undefined || value === null ? "" : String(value);
    this.domain = options?.domain ?? undefined;
    this.path = options?.path ?? "/";
    this.expires = toDate(options?.expires);
    this.maxAge = options?.maxAge ?? undefined;
    this.secure = !!options?.secure;
    this.httpOnly = !!options?.httpOnly;
    this.partitioned = !!options?.partitioned;
    const sameSite = options?.sameSite ?? "lax";
    if (!SAME_SITE.includes(String(sameSite).toLowerCase())) {
      throw cookieError("Invalid sameSite value. Must be 'strict', 'lax', or 'none'");
    }
    this.sameSite = String(sameSite).toLowerCase();
  }

  /** A cookie from a `Set-Cookie` value. */
  static parse(text) {
    const parts = String(text).split(";");
    const first = parts.shift();
    const eq = first.indexOf("=");
    if (eq <= 0) throw cookieError("Invalid cookie string: no name");
    const options = {};
    for (const part of parts) {
      const at = part.indexOf("=");
      const key = (at === -1 ? part : part.slice(0, at)).trim().toLowerCase();
      const val = at === -1 ? "" : part.slice(at + 1).trim();
      if (key === "domain") options.domain = val;
      else if (key === "path") options.path = val;
      else if (key === "expires") options.expires = new Date(val);
      else if (key === "max-age") options.maxAge = Number(val);
      else if (key === "secure") options.secure = true;
      else if (key === "httponly") options.httpOnly = true;
      else if (key === "partitioned") options.partitioned = true;
      else if (key === "samesite") options.sameSite = val.toLowerCase();
    }
    return new Cookie(first.slice(0, eq).trim(), decode(first.slice(eq + 1).trim()), options);
  }

  /** `new Cookie(name, value, options)`. */
  static from(name, value, options = undefined) {
    return new Cookie(name, value, options);
  }

  /** Whether the cookie's `expires` has passed (or `maxAge` is not positive). */
  isExpired() {
    if (this.maxAge !== undefined && this.maxAge <= 0) return true;
    return this.expires !== undefined && this.expires.getTime() <= Date.now();
  }

  /** The `Set-Cookie` value. */
  serialize() {
    let out = `${this.name}=${encodeURIComponent(this.value)}`;
    if (this.domain !== undefined) out += `; Domain=${this.domain}`;
    if (this.path !== undefined) out += `; Path=${this.path}`;
    if (this.expires !== undefined) out += `; Expires=${this.expires.toUTCString()}`;
    if (this.maxAge !== undefined) out += `; Max-Age=${Math.trunc(this.maxAge)}`;
    if (this.secure) out += "; Secure";
    if (this.httpOnly) out += "; HttpOnly";
    if (this.partitioned) out += "; Partitioned";
    out += `; SameSite=${this.sameSite[0].toUpperCase()}${this.sameSite.slice(1)}`;
    return out;
  }

  toString() {
    return this.serialize();
  }

  toJSON() {
    const json = { name: this.name, value: this.value };
    if (this.domain !== undefined) json.domain = this.domain;
    json.path = this.path;
    if (this.expires !== undefined) json.expires = this.expires;
    if (this.maxAge !== undefined) json.maxAge = this.maxAge;
    json.secure = this.secure;
    json.sameSite = this.sameSite;
    json.httpOnly = this.httpOnly;
    json.partitioned = this.partitioned;
    return json;
  }
}

/**
 * The cookies of a request (`Cookie` header) and the changes made to them,
 * which `toSetCookieHeaders()` turns into `Set-Cookie` values.
 */
export class CookieMap {
  /** `init`: a `Cookie` header string, a record, or `[name, value]` pairs. */
  constructor(init = undefined) {
    // name -> value as the request sent it.
    this[kOriginal] = new Map();
    // name -> Cookie set, or a Cookie that expires it (deleted), in order.
    this[kChanges] = new Map();
    if (init === undefined || init === null) return;
    if (typeof init === "string") {
      for (const part of init.split(";")) {
        const eq = part.indexOf("=");
        if (eq <= 0) continue;
        const name = part.slice(0, eq).trim();
        if (name !== "" && !this[kOriginal].has(name)) {
          this[kOriginal].set(name, decode(part.slice(eq + 1).trim()));
        }
      }
    } else if (typeof init === "object" && typeof init[Symbol.iterator] === "function") {
      for (const [name, value] of init) this[kOriginal].set(String(name), String(value));
    } else if (typeof init === "object") {
      for (const name of Object.keys(init)) this[kOriginal].set(name, String(init[name]));
    } else {
      throw cookieError("Invalid initializer type");
    }
  }

  /** The value, or null. */
  get(name) {
    const changed = this[kChanges].get(name);
    if (changed !== undefined) return changed[kDeleted] ? null : changed.value;
    return this[kOriginal].get(name) ?? null;
  }

  has(name) {
    return this.get(name) !== null;
  }

  /** `set(name, value, options?)`, `set(cookie)` or `set({ name, value, ... })`. */
  set(name, value = undefined, options = undefined) {
    const cookie = name instanceof Cookie ? name : new Cookie(name, value, options);
    this[kChanges].delete(cookie.name);
    this[kChanges].set(cookie.name, cookie);
  }

  /** `delete(name)` or `delete({ name, domain, path })`: expires the cookie. */
  delete(what) {
    const options = typeof what === "object" && what !== null ? what : { name: what };
    const gone = new Cookie(options.name, "", { domain: options.domain, path: options.path, expires: EPOCH });
    gone[kDeleted] = true;
    this[kOriginal].delete(gone.name);
    this[kChanges].delete(gone.name);
    this[kChanges].set(gone.name, gone);
  }

  get size() {
    let n = 0;
    for (const _ of this.keys()) n++;
    return n;
  }

  /** Set-Cookie values for every change, in the order made. */
  toSetCookieHeaders() {
    const out = [];
    for (const cookie of this[kChanges].values()) out.push(cookie.serialize());
    return out;
  }

  toJSON() {
    const json = {};
    for (const [name, value] of this) json[name] = value;
    return json;
  }

  /** Set cookies first (in the order set), then the request's. */
  *entries() {
    for (const [name, cookie] of this[kChanges]) {
      if (!cookie[kDeleted]) yield [name, cookie.value];
    }
    for (const [name, value] of this[kOriginal]) {
      if (!this[kChanges].has(name)) yield [name, value];
    }
  }

  *keys() {
    for (const [name] of this.entries()) yield name;
  }

  *values() {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback, thisArg = undefined) {
    for (const [name, value] of this.entries()) callback.call(thisArg, value, name, this);
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  get [Symbol.toStringTag]() {
    return "CookieMap";
  }
}

/** Set-Cookie values for the changes made to a request's cookies, or null. */
export function cookieChanges(map) {
  return map === undefined || map[kChanges].size === 0 ? null : map.toSetCookieHeaders();
}
