// Structured clone of Error objects (HTML's serializable Errors: name,
// message, stack, cause). The engine's serializer (on the QuickJS backend)
// refuses them, so a clone that fails on an Error is retried with each
// Error boxed as a plain object, and the boxes are revived after.

import { webScript } from "ext:rt_web/00_web.js";

/** Marks a message whose Error objects were boxed (the engine's
 * serializer clones no Error; HTML's structured clone does). */
export const ERRORS_BOXED = "\u0000rt.errorsBoxed";
const ERROR_BOX = "\u0000rt.error";
const ERROR_TYPES = {
  __proto__: null,
  Error,
  EvalError,
  RangeError,
  ReferenceError,
  SyntaxError,
  TypeError,
  URIError,
};

/** A copy of `value` with each Error replaced by a plain box (HTML's
 * serializable Error fields: name, message, stack, cause). */
export function boxErrors(value, seen = new Map()) {
  if (typeof value !== "object" || value === null) return value;
  if (seen.has(value)) return seen.get(value);
  if (value instanceof Error) {
    const box = { [ERROR_BOX]: true };
    seen.set(value, box);
    box.name = String(value.name);
    // An Error made without a message has no own `message`.
    if (Object.hasOwn(value, "message")) box.message = String(value.message);
    if (typeof value.stack === "string") box.stack = value.stack;
    if ("cause" in value) box.cause = boxErrors(value.cause, seen);
    return box;
  }
  if (Array.isArray(value)) {
    const copy = [];
    seen.set(value, copy);
    for (let i = 0; i < value.length; i++) copy[i] = boxErrors(value[i], seen);
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map();
    seen.set(value, copy);
    for (const [k, v] of value) copy.set(boxErrors(k, seen), boxErrors(v, seen));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    seen.set(value, copy);
    for (const v of value) copy.add(boxErrors(v, seen));
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const copy = {};
  seen.set(value, copy);
  for (const key of Object.keys(value)) copy[key] = boxErrors(value[key], seen);
  return copy;
}

/** Undoes `boxErrors` in place. */
export function unboxErrors(value, seen = new Set()) {
  if (typeof value !== "object" || value === null || seen.has(value)) return value;
  seen.add(value);
  if (value[ERROR_BOX] === true) {
    const Type = ERROR_TYPES[value.name] ?? Error;
    const error = "message" in value ? new Type(value.message) : new Type();
    if (!(value.name in ERROR_TYPES)) error.name = value.name;
    if (value.stack !== undefined) error.stack = value.stack;
    if ("cause" in value) error.cause = unboxErrors(value.cause, seen);
    return error;
  }
  if (value instanceof Map) {
    const entries = [...value];
    value.clear();
    for (const [k, v] of entries) value.set(unboxErrors(k, seen), unboxErrors(v, seen));
  } else if (value instanceof Set) {
    const items = [...value];
    value.clear();
    for (const v of items) value.add(unboxErrors(v, seen));
  } else if (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype) {
    for (const key of Object.keys(value)) value[key] = unboxErrors(value[key], seen);
  }
  return value;
}

/** Whether a clone failed only because the value holds an Error. */
export function isErrorCloneFailure(error) {
  return /object class: Error/.test(error?.message);
}

/** https://html.spec.whatwg.org/#dom-structuredclone, Errors included. */
export function structuredClone(value, options = undefined) {
  const clone = webScript("02_structured_clone").structuredClone;
  if (arguments.length === 0) return clone();
  try {
    return clone(value, options);
  } catch (error) {
    if (!isErrorCloneFailure(error)) throw error;
    return unboxErrors(clone(boxErrors(value), options));
  }
}
