// How bun:test prints a failure: the source lines above the failing call
// with a caret under it, `error: <message>` (or `TypeError: ...`), then the
// stack frames in the test's own files (rt's internals left out).

import { op_node_fs_read_sync } from "ext:core/ops";
import { show } from "ext:rt_bun/format.js";

const sources = new Map();

function sourceLines(path) {
  let lines = sources.get(path);
  if (lines === undefined) {
    try {
      lines = new TextDecoder().decode(op_node_fs_read_sync(path)).split("\n");
    } catch {
      lines = null;
    }
    sources.set(path, lines);
  }
  return lines;
}

/** `at f (file:///x.ts:3:7)` -> { name, path, line, column }. */
function parseFrame(line) {
  const m = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/.exec(line);
  if (!m) return null;
  let path = m[2];
  if (path.startsWith("file://")) {
    try {
      path = decodeURIComponent(new URL(path).pathname);
    } catch {
      // keep the URL as it is
    }
  }
  return { name: m[1] || "<anonymous>", path, line: Number(m[3]), column: Number(m[4]) };
}

function codeFrame(frame) {
  const lines = sourceLines(frame.path);
  if (!lines || frame.line > lines.length) return "";
  const first = Math.max(1, frame.line - 5);
  const width = String(frame.line).length;
  let out = "";
  for (let n = first; n <= frame.line; n++) {
    out += `${String(n).padStart(width)} | ${lines[n - 1]}\n`;
  }
  out += `${" ".repeat(width + 3 + frame.column - 1)}^\n`;
  return out;
}

/** A thrown value as bun:test prints it under a failed test. */
function formatError(error) {
  if (error === null || typeof error !== "object") {
    return `error: ${typeof error === "string" ? error : show(error)}`;
  }
  const name = error.name ?? "Error";
  const message = error.message ?? "";
  const frames = String(error.stack ?? "")
    .split("\n")
    .map(parseFrame)
    .filter((f) => f && !f.path.startsWith("ext:") && f.path.startsWith("/"));
  const head = name === "Error" ? `error: ${message}` : `${name}: ${message}`;
  let out = frames.length ? codeFrame(frames[0]) : "";
  out += head;
  const extra = Object.keys(error).filter((k) =>
    !["stack", "message", "name", "matcherResult", "timedOut"].includes(k)
  );
  if (extra.length && name !== "Error") {
    out += ` ${show(Object.fromEntries(extra.map((k) => [k, error[k]])))}`;
  }
  if (frames.length) {
    out += "\n\n" + frames.map((f) => `      at ${f.name} (${f.path}:${f.line}:${f.column})`).join("\n");
  }
  return out;
}

export { formatError };
