// rt's coded errors, from the one table in errors.rs (read once, while the
// startup snapshot is made): `errors.InvalidArgType("...")` is a TypeError
// whose `.code` is "ERR_INVALID_ARG_TYPE", and `codes.InvalidArgType` that
// code alone (for errors made elsewhere, such as a RedisError). Rust's
// errors take their class and code from the same rows.

import { op_rt_error_codes } from "ext:core/ops";

/** Makers of the errors JS throws, by row name. */
export const errors = { __proto__: null };
/** Every row's code, by row name. */
export const codes = { __proto__: null };

/** A maker for one row; the class is looked up when an error is made, as
 * `new TypeError()` would look it up. */
function maker(className, code) {
  const make = (message, options) => {
    const error = className === "TypeError"
      ? new TypeError(message, options)
      : className === "RangeError"
      ? new RangeError(message, options)
      : new Error(message, options);
    error.code = code;
    // The stack starts where the error was thrown, not in this maker.
    Error.captureStackTrace?.(error, make);
    return error;
  };
  make.code = code;
  return make;
}

const table = op_rt_error_codes();
for (let i = 0; i < table.length; i++) {
  const { 0: name, 1: className, 2: code } = table[i];
  codes[name] = code;
  // Other classes (RedisError) are made by the code that owns them.
  if (className === "Error" || className === "TypeError" || className === "RangeError") {
    errors[name] = maker(className, code);
  }
}
Object.freeze(errors);
Object.freeze(codes);

/** How Node names a received value in ERR_INVALID_ARG_TYPE messages. */
function describe(value) {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `function ${value.name}`;
  if (typeof value === "object") {
    const name = value.constructor?.name;
    return name ? `an instance of ${name}` : "an object";
  }
  return `type ${typeof value} (${String(value).slice(0, 25)})`;
}

/** Node's `TypeError [ERR_INVALID_ARG_TYPE]: The "name" argument must be
 * <expected>. Received <what it was>`. */
export function invalidArgType(name, expected, value) {
  return errors.InvalidArgType(
    `The "${name}" argument must be ${expected}. Received ${describe(value)}`,
  );
}
