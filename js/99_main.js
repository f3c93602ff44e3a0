// Bootstrap: installs every global. This runs once, while the startup
// snapshot is made; the runtime then hides the embedder's internals
// (`Deno`, `__bootstrap`) after restoring it (see src/runtime/mod.rs),
// because deno_core re-binds ops through `Deno.core` on restore.

import { installWebGlobals, preloadWebScripts } from "ext:rt/00_web.js";
import { installConsole } from "ext:rt/10_console.js";
import { installTimers } from "ext:rt/20_timers.js";
import { installCrypto } from "ext:rt/30_crypto.js";
import { installProcess } from "ext:rt/40_process.js";
import { installBun } from "ext:rt/50_bun.js";

preloadWebScripts();
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
