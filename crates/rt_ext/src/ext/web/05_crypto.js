// The `crypto` global's random half: getRandomValues and randomUUID
// (WebCrypto section 10.1.1, section 10.1.2). `crypto.subtle` is not provided.

import { primordials } from "ext:core/mod.js";
import { op_rt_random_fill, op_rt_random_uuid } from "ext:core/ops";
import { webScript } from "ext:rt_web/00_web.js";

const {
  ObjectPrototypeToString,
  SafeSet,
  SetPrototypeHas,
  TypeError,
  TypedArrayPrototypeGetByteLength,
  TypedArrayPrototypeGetSymbolToStringTag,
} = primordials;

/** The integer typed arrays getRandomValues accepts. */
const INTEGER_ARRAYS = new SafeSet([
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "BigInt64Array",
  "BigUint64Array",
]);

/** Most bytes one call may ask for. */
const QUOTA = 65536;

class Crypto {
  /** https://w3c.github.io/webcrypto/#Crypto-method-getRandomValues */
  getRandomValues(array) {
    if (arguments.length < 1) {
      throw new TypeError(
        "Failed to execute 'getRandomValues' on 'Crypto': 1 argument required, but only 0 present.",
      );
    }
    // 1. If array is not an integer-type typed array, throw a TypeMismatchError.
    const tag = TypedArrayPrototypeGetSymbolToStringTag(array);
    if (tag === undefined || !SetPrototypeHas(INTEGER_ARRAYS, tag)) {
      const { DOMException } = webScript("01_dom_exception");
      throw new DOMException(
        `The provided ${ObjectPrototypeToString(array)} is not an integer array type`,
        "TypeMismatchError",
      );
    }
    // 2. If its byte length is greater than 65,536, throw a QuotaExceededError.
    const byteLength = TypedArrayPrototypeGetByteLength(array);
    if (byteLength > QUOTA) {
      const { DOMException } = webScript("01_dom_exception");
      throw new DOMException(
        `The ArrayBufferView's byte length (${byteLength}) exceeds the number of bytes of entropy available via this API (${QUOTA})`,
        "QuotaExceededError",
      );
    }
    // 3. Overwrite all elements of array with cryptographically strong random values.
    op_rt_random_fill(array);
    // 4. Return array.
    return array;
  }

  /** https://w3c.github.io/webcrypto/#Crypto-method-randomUUID */
  randomUUID() {
    return op_rt_random_uuid();
  }

  get [Symbol.toStringTag]() {
    return "Crypto";
  }
}

/** Installs `crypto` and `Crypto`. */
export function installCrypto() {
  const crypto = new Crypto();
  Object.defineProperty(globalThis, "crypto", {
    __proto__: null,
    value: crypto,
    writable: true,
    enumerable: true,
    configurable: true,
  });
  Object.defineProperty(globalThis, "Crypto", {
    __proto__: null,
    value: Crypto,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
