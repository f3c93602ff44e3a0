// `console`: deno_web's Console (table, count, time, trace) with the
// printing methods (log, info, debug, warn, error, dir, assert, group) in
// Bun's layout from inspect.js, printing through printTo. Built on
// first use.

import { core } from "ext:core/mod.js";
import { op_rt_isatty } from "ext:core/ops";
import { lazyProperty, webScript } from "ext:rt_web/00_web.js";
import { env, printTo } from "ext:rt_web/02_process.js";

/** Console levels at or above this go to stderr (warn, error, trace). */
const STDERR_LEVEL = 2;

function print(message, level) {
  printTo(message, level >= STDERR_LEVEL);
}

/** Colour decisions per stream, made once: NO_COLOR, FORCE_COLOR, then isatty. */
function colorOff(fd) {
  let off;
  return () => {
    if (off === undefined) {
      const e = env();
      const force = e.FORCE_COLOR !== undefined && e.FORCE_COLOR !== "0";
      const no = e.NO_COLOR !== undefined && e.NO_COLOR !== "";
      off = !force && (no || !op_rt_isatty(fd));
    }
    return off;
  };
}

/**
 * inspect.js (Bun's layout, for console and Bun.inspect), loaded on first
 * use; the loader keeps it (a lookup per call costs a microsecond).
 */
export const inspector = core.createLazyLoader("ext:rt_web/inspect.js");

function createConsole() {
  const consoleModule = webScript("01_console");
  const stdoutOff = colorOff(1);
  const stderrOff = colorOff(2);
  consoleModule.setNoColorFns(stdoutOff, stderrOff);
  const console = new consoleModule.Console(print);
  const bun = inspector;
  let indent = "";
  const emit = (text, level) => {
    const body = indent === "" ? text : indent + text.replaceAll("\n", `\n${indent}`);
    print(`${body}\n`, level);
  };
  const printer = (level) => {
    const off = level >= STDERR_LEVEL ? stderrOff : stdoutOff;
    return (...args) => emit(bun().formatArgs(args, { colors: !off() }), level);
  };
  // Own data properties, as deno_web's methods are (so they can be detached).
  const methods = {
    log: printer(1),
    info: printer(1),
    debug: printer(0),
    warn: printer(2),
    error: printer(3),
    // (...args) keeps the WebIDL lengths (0) the console namespace has.
    dir: (...args) =>
      emit(bun().inspect(args[0], { colors: !stdoutOff(), ...args[1] }), 1),
    dirxml: printer(1),
    // Bun prints the arguments alone ("Assertion failed" when there are none).
    assert: (condition = false, ...args) => {
      if (condition) return;
      const message = args.length === 0 ? ["Assertion failed"] : args;
      emit(bun().formatArgs(message, { colors: !stderrOff() }), 3);
    },
    group: (...label) => {
      if (label.length > 0) methods.log(...label);
      indent += "  ";
    },
    groupCollapsed: (...label) => methods.group(...label),
    groupEnd: () => {
      indent = indent.slice(2);
    },
  };
  for (const name in methods) {
    Object.defineProperty(console, name, {
      __proto__: null,
      value: methods[name],
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  return console;
}

/** Installs `console` as a lazy global. */
export function installConsole() {
  lazyProperty(globalThis, "console", createConsole, false);
}
