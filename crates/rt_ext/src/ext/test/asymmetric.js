// bun:test's asymmetric matchers: `expect.any(Number)`, `anything()`,
// `stringContaining`, `stringMatching`, `objectContaining`,
// `arrayContaining`, `closeTo`, and their `expect.not` forms. Deep
// equality (equals.js) calls `asymmetricMatch` on either side.

import { show } from "ext:rt_bun/format.js";
import { equals } from "ext:rt_bun/equals.js";

class Asymmetric {
  constructor(sample, inverse = false) {
    this.sample = sample;
    this.inverse = inverse;
  }
  asymmetricMatch(other) {
    const result = this.match(other);
    return this.inverse ? !result : result;
  }
  toString() {
    return `${this.inverse ? "Not" : ""}${this.name}${this.describe()}`;
  }
  describe() {
    return ` ${show(this.sample)}`;
  }
  toJSON() {
    return this.toString();
  }
}

class Any extends Asymmetric {
  get name() {
    return "Any";
  }
  match(other) {
    const c = this.sample;
    if (c === String) return typeof other === "string" || other instanceof String;
    if (c === Number) return typeof other === "number" || other instanceof Number;
    if (c === Boolean) return typeof other === "boolean" || other instanceof Boolean;
    if (c === BigInt) return typeof other === "bigint";
    if (c === Symbol) return typeof other === "symbol";
    if (c === Function) return typeof other === "function";
    if (c === Object) return other !== null && typeof other === "object";
    return other instanceof c;
  }
  describe() {
    return `<${this.sample?.name ?? this.sample}>`;
  }
}

class Anything extends Asymmetric {
  get name() {
    return "Anything";
  }
  match(other) {
    return other !== null && other !== undefined;
  }
  describe() {
    return "";
  }
}

class StringContaining extends Asymmetric {
  get name() {
    return "StringContaining";
  }
  match(other) {
    return typeof other === "string" && other.includes(this.sample);
  }
}

class StringMatching extends Asymmetric {
  get name() {
    return "StringMatching";
  }
  match(other) {
    const re = typeof this.sample === "string" ? new RegExp(this.sample) : this.sample;
    return typeof other === "string" && re.test(other);
  }
}

class ObjectContaining extends Asymmetric {
  get name() {
    return "ObjectContaining";
  }
  match(other) {
    if (other === null || typeof other !== "object") return false;
    for (const key of Reflect.ownKeys(this.sample)) {
      if (!(key in other) || !equals(other[key], this.sample[key])) return false;
    }
    return true;
  }
}

class ArrayContaining extends Asymmetric {
  get name() {
    return "ArrayContaining";
  }
  match(other) {
    return Array.isArray(other) &&
      this.sample.every((item) => other.some((o) => equals(o, item)));
  }
}

class CloseTo extends Asymmetric {
  constructor(sample, digits = 2, inverse = false) {
    super(sample, inverse);
    this.digits = digits;
  }
  get name() {
    return "NumberCloseTo";
  }
  match(other) {
    return typeof other === "number" &&
      Math.abs(other - this.sample) < Math.pow(10, -this.digits) / 2;
  }
}

export {
  Any,
  Anything,
  ArrayContaining,
  Asymmetric,
  CloseTo,
  ObjectContaining,
  StringContaining,
  StringMatching,
};
