// Bootstrap: installs every global. This runs once, while the startup
// snapshot is made; the runtime then hides the embedder's internals
// (`Deno`, `__bootstrap`) after restoring it (see src/runtime/mod.rs),
// because deno_core re-binds ops through `Deno.core` on restore.

import { installWebGlobals, preloadWebScripts } from "ext:rt/00_web.js";
import { installConsole } from "ext:rt/10_console.js";
import { installTimers } from "ext:rt/20_timers.js";
import { installCrypto } from "ext:rt/30_crypto.js";
import { installProcess } from "ext:rt/40_process.js";
import { Bun, installBun } from "ext:rt/50_bun.js";
import { file, write } from "ext:rt/51_file.js";
import { Cookie, CookieMap } from "ext:rt/52_cookie.js";
import { Headers } from "ext:rt/60_headers.js";
import { FormData } from "ext:rt/62_formdata.js";
import { Request } from "ext:rt/63_request.js";
import { Response } from "ext:rt/64_response.js";
import { installAutoServe, serve } from "ext:rt/70_serve.js";
import { fetch } from "ext:rt/80_fetch.js";
import { WebSocket } from "ext:rt/85_websocket.js";
import { EventSource } from "ext:rt/86_eventsource.js";
import { installLocationHook } from "ext:rt/90_location.js";
import { installWorker } from "ext:rt/66_worker.js";
import { structuredClone } from "ext:rt/53_clone.js";

preloadWebScripts();
installWebGlobals();
installConsole();
installTimers();
installCrypto();
installProcess();
installBun();
installLocationHook();
installWorker();

for (const [name, value] of [
  ["Headers", Headers],
  ["Request", Request],
  ["Response", Response],
  ["FormData", FormData],
  ["fetch", fetch],
  ["WebSocket", WebSocket],
  ["EventSource", EventSource],
  ["structuredClone", structuredClone],
]) {
  Object.defineProperty(globalThis, name, {
    __proto__: null,
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
Bun.serve = serve;
Bun.file = file;
Bun.write = write;
// Bun.stdin/stdout/stderr: BunFiles of the standard descriptors, made on
// first read.
for (const [name, fd] of [["stdin", 0], ["stdout", 1], ["stderr", 2]]) {
  Object.defineProperty(Bun, name, {
    __proto__: null,
    get() {
      const value = file(fd);
      Object.defineProperty(Bun, name, { __proto__: null, value, writable: true });
      return value;
    },
    enumerable: true,
    configurable: true,
  });
}
Bun.Cookie = Cookie;
Bun.CookieMap = CookieMap;
installAutoServe();

// Node's and Bun's name for the global object.
Object.defineProperty(globalThis, "global", {
  __proto__: null,
  value: globalThis,
  writable: true,
  enumerable: false,
  configurable: true,
});
Object.defineProperty(globalThis, "self", {
  __proto__: null,
  value: globalThis,
  writable: true,
  enumerable: false,
  configurable: true,
});
