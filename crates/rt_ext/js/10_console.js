// `console`, from deno_web's formatter (Node-style inspection, which Bun
// matches closely), printing through core.print (printTo). Built on first use.

import { op_rt_isatty } from "ext:core/ops";
import { webScript } from "ext:rt/00_web.js";
import { env, printTo } from "ext:rt/40_process.js";

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

function createConsole() {
  const consoleModule = webScript("01_console");
  consoleModule.setNoColorFns(colorOff(1), colorOff(2));
  return new consoleModule.Console(print);
}

/** Installs `console` as a lazy global. */
export function installConsole() {
  Object.defineProperty(globalThis, "console", {
    __proto__: null,
    get() {
      const value = createConsole();
      Object.defineProperty(globalThis, "console", {
        __proto__: null,
        value,
        writable: true,
        enumerable: false,
        configurable: true,
      });
      return value;
    },
    set(value) {
      Object.defineProperty(globalThis, "console", {
        __proto__: null,
        value,
        writable: true,
        enumerable: false,
        configurable: true,
      });
    },
    enumerable: false,
    configurable: true,
  });
}
