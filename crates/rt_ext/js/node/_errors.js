// Errors shared by the Node built-ins, with Node's codes and wording. An
// internal script: it has no `node:` name, so apps cannot import it.

(function () {
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

/** `TypeError [ERR_INVALID_ARG_TYPE]: The "name" argument must be ...`. */
function invalidArgType(name, expected, value) {
  const err = new TypeError(
    `The "${name}" argument must be ${expected}. Received ${describe(value)}`,
  );
  err.code = "ERR_INVALID_ARG_TYPE";
  return err;
}

/** An error with a Node `code`. */
function coded(Class, code, message) {
  const err = new Class(message);
  err.code = code;
  return err;
}

return { invalidArgType, coded };
})();
