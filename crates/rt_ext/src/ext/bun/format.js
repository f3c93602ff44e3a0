// bun:test's printing: one-line and multi-line forms of values for failure
// messages (`Expected: ... Received: ...`), the Jest-style serialisation the
// diffs compare, and the line diff itself.

import { core } from "ext:core/mod.js";

const consoleScript = () => core.loadExtScript("ext:deno_web/01_console.js");

/** A value as Bun prints it after `Expected:` / `Received:`. */
function show(value) {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (Object.is(value, -0)) return "-0";
  if (value !== null && typeof value === "object" && isAsymmetric(value)) {
    return value.toString();
  }
  try {
    return consoleScript().inspect(value, {
      depth: 8,
      colors: false,
      compact: 3,
      breakLength: 80,
    });
  } catch {
    return String(value);
  }
}

function isAsymmetric(value) {
  return typeof value?.asymmetricMatch === "function";
}

function quoteKey(key) {
  return typeof key === "symbol" ? `[${String(key)}]` : JSON.stringify(key);
}

/**
 * Jest's pretty-format shape: one property or element per line, keys
 * quoted, trailing commas. Diffs compare these lines.
 */
function serialize(value, indent = "", seen = new Set()) {
  const inner = indent + "  ";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "bigint":
      return `${value}n`;
    case "number":
      return Object.is(value, -0) ? "-0" : String(value);
    case "undefined":
      return "undefined";
    case "symbol":
      return String(value);
    case "function":
      return `[Function${value.name ? ` ${value.name}` : ""}]`;
  }
  if (value === null) return "null";
  if (typeof value === "boolean") return String(value);
  if (isAsymmetric(value)) return value.toString();
  if (seen.has(value)) return "[Circular]";
  seen.add(value);
  try {
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
    }
    if (value instanceof RegExp) return String(value);
    if (value instanceof Error) return `[${value.name}: ${value.message}]`;
    const name = value.constructor?.name;
    const prefix = name && name !== "Object" && name !== "Array" ? `${name} ` : "";
    if (Array.isArray(value) || ArrayBuffer.isView(value)) {
      const items = Array.from(value, (v) => serialize(v, inner, seen));
      if (items.length === 0) return `${prefix}[]`;
      return `${prefix}[\n${items.map((s) => `${inner}${s},\n`).join("")}${indent}]`;
    }
    if (value instanceof Map) {
      const items = [...value].map(([k, v]) =>
        `${inner}${serialize(k, inner, seen)} => ${serialize(v, inner, seen)},\n`
      );
      return items.length ? `Map {\n${items.join("")}${indent}}` : "Map {}";
    }
    if (value instanceof Set) {
      const items = [...value].map((v) => `${inner}${serialize(v, inner, seen)},\n`);
      return items.length ? `Set {\n${items.join("")}${indent}}` : "Set {}";
    }
    const keys = [
      ...Object.keys(value),
      ...Object.getOwnPropertySymbols(value).filter((s) =>
        Object.prototype.propertyIsEnumerable.call(value, s)
      ),
    ].sort((a, b) =>
      typeof a === "string" && typeof b === "string" ? (a < b ? -1 : a > b ? 1 : 0) : 0
    );
    if (keys.length === 0) return `${prefix}{}`;
    const lines = keys.map((k) => `${inner}${quoteKey(k)}: ${serialize(value[k], inner, seen)},\n`);
    return `${prefix}{\n${lines.join("")}${indent}}`;
  } finally {
    seen.delete(value);
  }
}

/** Longest-common-subsequence line diff: `-` expected, `+` received. */
function diffLines(expected, received) {
  const a = expected.split("\n");
  const b = received.split("\n");
  const n = a.length;
  const m = b.length;
  // Too large for the quadratic table: show both sides whole.
  if (n * m > 4_000_000) {
    return {
      text: [...a.map((l) => `- ${l}`), ...b.map((l) => `+ ${l}`)].join("\n"),
      removed: n,
      added: m,
    };
  }
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i][j] = a[i] === b[j]
        ? table[i + 1][j + 1] + 1
        : Math.max(table[i + 1][j], table[i][j + 1]);
    }
  }
  const out = [];
  let removed = 0;
  let added = 0;
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (i < n && (j === m || table[i + 1][j] >= table[i][j + 1])) {
      out.push(`- ${a[i++]}`);
      removed++;
    } else {
      out.push(`+ ${b[j++]}`);
      added++;
    }
  }
  return { text: out.join("\n"), removed, added };
}

/**
 * The diff block Bun prints under a failed equality matcher, or `null`
 * when a diff would say no more than `Expected:`/`Received:` lines.
 */
function diff(expected, received) {
  const left = serialize(expected);
  const right = serialize(received);
  if (!left.includes("\n") && !right.includes("\n")) return null;
  if (left === right) return null;
  const { text, removed, added } = diffLines(left, right);
  return `${text}\n\n- Expected  - ${removed}\n+ Received  + ${added}`;
}

export { show, serialize, diff, diffLines, isAsymmetric };
