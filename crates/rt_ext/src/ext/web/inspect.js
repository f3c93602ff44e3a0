// Bun.inspect and console.log's formatting, in Bun's layout: non-empty
// objects one property per line with trailing commas, arrays inline and
// wrapped near 80 columns, Map/Set entries one per line, `[Object ...]`
// past the depth, errors as `error: message` with their frames and cause.
// Colours only when asked (console.log asks on a TTY). Loaded on first use.

import { core } from "ext:core/mod.js";

const CUSTOM = Symbol.for("nodejs.util.inspect.custom");
const MAX_ITEMS = 100;
const WRAP_AT = 80;

const COLORS = {
  number: ["\x1b[33m", "\x1b[39m"],
  bigint: ["\x1b[33m", "\x1b[39m"],
  boolean: ["\x1b[33m", "\x1b[39m"],
  string: ["\x1b[32m", "\x1b[39m"],
  undefined: ["\x1b[2m", "\x1b[22m"],
  null: ["\x1b[1m", "\x1b[22m"],
  symbol: ["\x1b[32m", "\x1b[39m"],
  special: ["\x1b[36m", "\x1b[39m"],
  date: ["\x1b[35m", "\x1b[39m"],
  regexp: ["\x1b[31m", "\x1b[39m"],
};

function style(ctx, kind, text) {
  if (!ctx.colors) return text;
  const pair = COLORS[kind];
  return pair ? pair[0] + text + pair[1] : text;
}

const quote = (s) => JSON.stringify(s);

/** Whether a key prints bare: an ASCII identifier (a char loop beats a regex on QuickJS). */
function isIdentifier(key) {
  const n = key.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    const letter = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
    if (!letter && !(i > 0 && c >= 48 && c <= 57)) return false;
  }
  return true;
}
const keyText = (key) =>
  typeof key === "symbol" ? `[${String(key)}]` : isIdentifier(key) ? key : quote(key);
const tagOf = (v) => Object.prototype.toString.call(v).slice(8, -1);

function functionText(fn) {
  let source = "";
  try {
    source = Function.prototype.toString.call(fn);
  } catch {
    // A revoked proxy or the like: print it as a plain function.
  }
  if (source.startsWith("class")) {
    const parent = Object.getPrototypeOf(fn);
    const base = parent !== Function.prototype && parent?.name ? ` extends ${parent.name}` : "";
    return `[class ${fn.name || "(anonymous)"}${base}]`;
  }
  const kind = tagOf(fn) === "Function" ? "Function" : tagOf(fn);
  return fn.name ? `[${kind}: ${fn.name}]` : `[${kind}]`;
}

/** The name before a value's braces: its class, unless plain. */
function constructorName(value) {
  let proto = Object.getPrototypeOf(value);
  if (proto === null) return null;
  const ctor = Object.getOwnPropertyDescriptor(proto, "constructor")?.value;
  return typeof ctor === "function" && ctor.name ? ctor.name : "Object";
}

const INDEX = /^(0|[1-9]\d*)$/;

/** Own enumerable string keys, then own enumerable symbols. */
function ownKeys(value, skipIndices) {
  let keys = Object.keys(value);
  if (skipIndices) keys = keys.filter((k) => !INDEX.test(k));
  const symbols = Object.getOwnPropertySymbols(value);
  for (let i = 0; i < symbols.length; i++) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbols[i])) keys.push(symbols[i]);
  }
  return keys;
}

function propertyText(value, key, ctx, level) {
  const desc = Object.getOwnPropertyDescriptor(value, key);
  if (desc && !("value" in desc)) {
    const label = desc.get && desc.set ? "[Getter/Setter]" : desc.get ? "[Getter]" : "[Setter]";
    return style(ctx, "special", label);
  }
  return format(desc ? desc.value : value[key], ctx, level + 1);
}

/** Entries between braces: one per line, trailing commas (or one line when compact). */
function block(prefix, entries, ctx, level) {
  if (entries.length === 0) return `${prefix}{}`;
  if (ctx.compact) return `${prefix}{ ${entries.join(", ")} }`;
  const pad = "  ".repeat(level + 1);
  let out = `${prefix}{\n`;
  for (const entry of entries) out += `${pad}${entry},\n`;
  return `${out}${"  ".repeat(level)}}`;
}

/**
 * Array items inline, wrapped after the line passes 80 columns. Bun counts
 * a string item by its quoted length and other items with their ", ".
 * Arrays of more than ten items, or starting with an object, open on a
 * line of their own.
 */
function list(prefix, items, costs, ctx, level, alwaysInline) {
  if (items.length === 0) return `${prefix}[]`;
  if (ctx.compact) return `${prefix}[ ${items.join(", ")} ]`;
  const pad = "  ".repeat(level + 1);
  const multi = !alwaysInline && (items.length > 10 || costs[0] < 0);
  let out = prefix + (multi ? `[\n${pad}` : "[ ");
  let line = multi ? pad.length : 2;
  let wrapped = multi;
  for (let i = 0; i < items.length; i++) {
    if (i > 0) {
      if (!alwaysInline && line > WRAP_AT) {
        out += `,\n${pad}`;
        line = pad.length;
        wrapped = true;
      } else {
        out += ", ";
      }
    }
    const text = items[i];
    const nl = text.lastIndexOf("\n");
    line = nl === -1 ? line + Math.abs(costs[i]) : text.length - nl - 1;
    out += text;
  }
  return out + (wrapped ? `\n${"  ".repeat(level)}]` : " ]");
}

function itemCost(value, text) {
  if (typeof value === "string") return text.length;
  // Negative marks an object, which opens a multi-line array when first.
  if ((typeof value === "object" && value !== null) || typeof value === "function") {
    return -(text.length + 2);
  }
  return text.length + 2;
}

function arrayText(value, ctx, level, prefix) {
  const items = [];
  const costs = [];
  const shown = Math.min(value.length, MAX_ITEMS);
  let holes = 0;
  const flushHoles = () => {
    if (holes === 0) return;
    const text = holes === 1 ? "empty item" : `${holes} x empty items`;
    items.push(text);
    costs.push(text.length + 2);
    holes = 0;
  };
  for (let i = 0; i < shown; i++) {
    if (!Object.prototype.hasOwnProperty.call(value, i)) {
      holes++;
      continue;
    }
    flushHoles();
    const text = propertyText(value, i, ctx, level);
    items.push(text);
    costs.push(itemCost(value[i], text));
  }
  flushHoles();
  // Listing a huge array's keys to find its named properties would cost a
  // string per element; past this length only the elements are shown.
  const named = value.length <= 100_000 ? ownKeys(value, true) : [];
  for (const key of named) {
    if (key === "length") continue;
    const text = `${keyText(key)}: ${propertyText(value, key, ctx, level)}`;
    items.push(text);
    costs.push(text.length + 2);
  }
  let out = list(prefix, items, costs, ctx, level, false);
  if (value.length > MAX_ITEMS) {
    const more = `... ${value.length - MAX_ITEMS} more item${value.length - MAX_ITEMS === 1 ? "" : "s"}`;
    const pad = "  ".repeat(level + 1);
    out = `${out.slice(0, out.lastIndexOf("\n"))},\n${pad}${more}\n${"  ".repeat(level)}]`;
  }
  return out;
}

function typedText(view, ctx, level, prefix) {
  const items = [];
  const n = Math.min(view.length, MAX_ITEMS);
  for (let i = 0; i < n; i++) items.push(format(view[i], ctx, level + 1));
  if (view.length > MAX_ITEMS) items.push(`... ${view.length - MAX_ITEMS} more items`);
  return list(prefix, items, items.map((t) => t.length + 2), ctx, level, true);
}

function bufferText(buffer) {
  const n = Math.min(buffer.length, 50);
  let out = "<Buffer";
  for (let i = 0; i < n; i++) out += ` ${buffer[i] < 16 ? "0" : ""}${buffer[i].toString(16)}`;
  if (buffer.length > 50) out += ` ... ${buffer.length - 50} more bytes`;
  return `${out}>`;
}

function errorText(error, ctx, level) {
  const name = error.name ?? "Error";
  let message = "";
  try {
    message = String(error.message ?? "");
  } catch {
    // A throwing getter leaves the message empty.
  }
  let out = `${name === "Error" ? "error" : name}${message ? `: ${message}` : ""}`;
  const extra = ownKeys(error, false).filter((k) => k !== "stack" && k !== "message" && k !== "cause" && k !== "name");
  for (const key of extra) out += `\n ${keyText(key)}: ${propertyText(error, key, ctx, level)}`;
  if (extra.length > 0) out += "\n";
  const stack = typeof error.stack === "string" ? error.stack : "";
  for (const line of stack.split("\n")) {
    const frame = line.trim();
    if (frame.startsWith("at ")) out += `\n      ${frame.replace(/file:\/\//g, "")}`;
  }
  // Bun ends an error with a blank line; a cause follows after it.
  const cause = error.cause;
  if (cause !== undefined && level < 8) {
    return `${out}\n\n${cause instanceof Error ? errorText(cause, ctx, level + 1) : `[cause]: ${format(cause, ctx, level + 1)}\n`}`;
  }
  return `${out}\n`;
}

function mapText(ctx, level, prefix, entries) {
  if (entries.length === 0) return `${prefix.replace(/\(\d+\) $/, " ")}{}`;
  return block(prefix, entries, ctx, level);
}

function webClassText(value, tag, ctx, level) {
  switch (tag) {
    case "Headers":
    case "URLSearchParams":
    case "FormData": {
      const entries = [];
      for (const [k, v] of value) entries.push(`${quote(k)}: ${format(v, ctx, level + 1)}`);
      return block(`${tag} `, entries, ctx, level);
    }
    case "Blob":
    case "File": {
      const entries = [];
      if (tag === "File") entries.push(`name: ${format(value.name, ctx, level + 1)}`);
      if (value.type) entries.push(`type: ${format(value.type, ctx, level + 1)}`);
      const head = `${tag} (${value.size} bytes)`;
      return entries.length === 0 ? head : block(`${head} `, entries, ctx, level);
    }
    case "Response":
    case "Request": {
      const fields = tag === "Response"
        ? ["ok", "url", "status", "statusText", "headers", "redirected", "bodyUsed"]
        : ["method", "url", "headers"];
      return block(`${tag} `, fields.map((f) => `${f}: ${format(value[f], ctx, level + 1)}`), ctx, level);
    }
  }
  return null;
}

function objectText(value, ctx, level) {
  const tag = tagOf(value);
  const name = constructorName(value);
  // Before custom inspectors: deno_web's classes carry Deno's.
  const web = webClassText(value, name, ctx, level);
  if (web !== null) return web;
  if (typeof value[CUSTOM] === "function" && value[CUSTOM] !== inspect) {
    const result = value[CUSTOM](ctx.depth - level, { ...ctx.options }, inspect);
    return typeof result === "string" ? result : format(result, ctx, level);
  }
  if (value instanceof Error) return errorText(value, ctx, level);
  // Past the depth an object collapses; an empty array still prints.
  if (level > ctx.depth && !(Array.isArray(value) && value.length === 0)) {
    const kind = Array.isArray(value) ? "Array" : tag === "Object" ? name ?? "Object" : tag;
    return style(ctx, "special", `[${kind} ...]`);
  }
  switch (tag) {
    case "Date":
      return style(ctx, "date", Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString());
    case "RegExp":
      return style(ctx, "regexp", String(value));
    case "Number":
    case "Boolean":
    case "BigInt":
      return style(ctx, tag.toLowerCase(), `[${tag}: ${format(value.valueOf(), ctx, level)}]`);
    case "String": {
      // console.log of a String object names it; Bun.inspect and nested
      // values print the string.
      const text = quote(value.valueOf());
      return style(ctx, "string", ctx.console && level === 0 ? `[String: ${text}]` : text);
    }
    case "Symbol":
      return `[Symbol: ${String(value.valueOf())}]`;
    case "Promise": {
      const [state] = core.getPromiseDetails(value);
      return `Promise { <${["pending", "resolved", "rejected"][state]}> }`;
    }
    case "WeakMap":
    case "WeakSet":
    case "WeakRef":
      return `${tag} {}`;
    case "ArrayBuffer":
    case "SharedArrayBuffer":
      return typedText(new Uint8Array(value), ctx, level, `${tag}(${value.byteLength}) `);
    case "DataView":
      return typedText(new Uint8Array(value.buffer, value.byteOffset, value.byteLength), ctx, level, `DataView(${value.byteLength}) `);
  }
  if (ArrayBuffer.isView(value)) {
    if (globalThis.Buffer && value instanceof globalThis.Buffer) return bufferText(value);
    return typedText(value, ctx, level, `${tag}(${value.length}) `);
  }
  ctx.seen.push(value);
  try {
    if (Array.isArray(value)) {
      const prefix = name !== "Array" && name !== null ? `${name}(${value.length}) ` : "";
      return arrayText(value, ctx, level, prefix);
    }
    if (value instanceof Map) {
      const entries = [];
      for (const [k, v] of value) entries.push(`${format(k, ctx, level + 1)}: ${format(v, ctx, level + 1)}`);
      return mapText(ctx, level, `Map(${value.size}) `, entries);
    }
    if (value instanceof Set) {
      const entries = [];
      for (const v of value) entries.push(format(v, ctx, level + 1));
      return mapText(ctx, level, `Set(${value.size}) `, entries);
    }
    const entries = ownKeys(value, false).map((k) => `${keyText(k)}: ${propertyText(value, k, ctx, level)}`);
    if (ctx.sorted) entries.sort();
    let prefix = "";
    if (name === null) prefix = "[Object: null prototype] ";
    else if (name !== "Object") prefix = `${name} `;
    else if (tag !== "Object" && value[Symbol.toStringTag]) prefix = `${tag} `;
    return block(prefix, entries, ctx, level);
  } finally {
    ctx.seen.pop();
  }
}

/** One value as Bun prints it inside a structure (strings quoted). */
function format(value, ctx, level) {
  switch (typeof value) {
    case "string":
      return style(ctx, "string", quote(value));
    case "number":
      return style(ctx, "number", Object.is(value, -0) ? "-0" : String(value));
    case "bigint":
      return style(ctx, "bigint", `${value}n`);
    case "boolean":
      return style(ctx, "boolean", String(value));
    case "undefined":
      return style(ctx, "undefined", "undefined");
    case "symbol":
      return style(ctx, "symbol", String(value));
    case "function":
      return style(ctx, "special", functionText(value));
  }
  if (value === null) return style(ctx, "null", "null");
  if (ctx.seen.includes(value)) return style(ctx, "special", "[Circular]");
  try {
    return objectText(value, ctx, level);
  } catch (error) {
    // A getter or proxy trap that throws: show that rather than fail the print.
    return `[object ${tagOf(value)} (inspection threw: ${error?.message ?? error})]`;
  }
}

/** Bun.inspect looks 8 levels deep, console.log 2. */
function context(options, console = false) {
  const o = typeof options === "object" && options !== null ? options : {};
  return {
    console,
    depth: o.depth === undefined ? (console ? 2 : 8) : o.depth === null ? Infinity : Number(o.depth),
    colors: !!o.colors,
    compact: o.compact === true,
    sorted: !!o.sorted,
    options: o,
    seen: [],
  };
}

/** `Bun.inspect(value, options)`: strings come back quoted. */
function inspect(value, options = undefined) {
  return format(value, context(options), 0);
}

/** One console argument: strings as they are, other values inspected. */
function formatArg(value, ctx) {
  return typeof value === "string" ? value : format(value, ctx, 0);
}

/** console.log's message: printf-style specifiers, then the rest joined by spaces. */
function formatArgs(args, options = undefined) {
  const ctx = context(options, true);
  if (args.length === 0) return "";
  let first = args[0];
  let rest = 1;
  let out = "";
  if (typeof first === "string" && first.includes("%") && args.length > 1) {
    let i = 0;
    while (i < first.length) {
      const c = first[i];
      if (c === "%" && i + 1 < first.length && rest < args.length) {
        const spec = first[i + 1];
        if (spec === "%") {
          out += "%";
          i += 2;
          continue;
        }
        const arg = args[rest];
        let text;
        switch (spec) {
          case "s":
            text = typeof arg === "string" ? arg : format(arg, ctx, 0);
            break;
          case "d":
          case "i":
            text = typeof arg === "bigint" ? `${arg}n` : typeof arg === "object" ? "NaN" : String(spec === "i" ? parseInt(arg) : Number(arg));
            break;
          case "f":
            text = String(parseFloat(arg));
            break;
          case "o":
          case "O":
            text = format(arg, ctx, 0);
            break;
          case "j":
            text = JSON.stringify(arg);
            break;
          case "c":
            text = "";
            break;
          default:
            text = undefined;
        }
        if (text !== undefined) {
          out += text;
          rest++;
          i += 2;
          continue;
        }
      }
      out += c;
      i++;
    }
  } else {
    out = formatArg(first, ctx);
  }
  for (; rest < args.length; rest++) out += ` ${formatArg(args[rest], ctx)}`;
  return out;
}

/** `Bun.inspect.table(data, properties, options)`: console.table's text. */
function table(data, properties = undefined, options = undefined) {
  let text = "";
  const consoleModule = core.loadExtScript("ext:deno_web/01_console.js");
  const c = new consoleModule.Console((message) => {
    text += message;
  });
  if (Array.isArray(properties) || properties === undefined) c.table(data, properties);
  else c.table(data);
  void options;
  return text;
}

export { inspect, formatArgs, table };
