// Bootstrap: installs every global, then hides the embedder's internals
// (`Deno`, `__bootstrap`) that a Bun script must not see.

import { installWebGlobals } from "ext:rt/00_web.js";
import { installConsole } from "ext:rt/10_console.js";
import { installTimers } from "ext:rt/20_timers.js";
import { installCrypto } from "ext:rt/30_crypto.js";
import { installProcess } from "ext:rt/40_process.js";
import { installBun } from "ext:rt/50_bun.js";

installWebGlobals();
installConsole();
installTimers();
installCrypto();
installProcess();
installBun();

Object.defineProperty(globalThis, "self", {
  __proto__: null,
  value: globalThis,
  writable: true,
  enumerable: false,
  configurable: true,
});

delete globalThis.Deno;
delete globalThis.__bootstrap;
