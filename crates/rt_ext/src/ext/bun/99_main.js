// Bootstrap: installs every global. This runs once, while the startup
// snapshot is made; the runtime then hides the embedder's internals
// (`Deno`, `__bootstrap`) after restoring it (see src/runtime/mod.rs),
// because deno_core re-binds ops through `Deno.core` on restore.
//
// The imports below are what the snapshot holds: every numbered module of
// every extension, evaluated in import order. Unnumbered modules stay out
// until a script first needs them.

import { installWebGlobals, preloadWebScripts } from "ext:rt_web/00_web.js";
import { installProcess } from "ext:rt_web/02_process.js";
import { installConsole } from "ext:rt_web/03_console.js";
import { installTimers } from "ext:rt_web/04_timers.js";
import { installCrypto } from "ext:rt_web/05_crypto.js";
import { structuredClone } from "ext:rt_web/06_clone.js";
import { installLocationHook } from "ext:rt_web/08_location.js";
import { installWorker } from "ext:rt_web/09_worker.js";
import { Headers } from "ext:rt_http/22_headers.js";
import { FormData } from "ext:rt_http/23_formdata.js";
import { Request } from "ext:rt_http/25_request.js";
import { Response } from "ext:rt_http/26_response.js";
import "ext:rt_http/27_file.js";
import { fetch } from "ext:rt_http/29_fetch.js";
import { EventSource } from "ext:rt_http/30_eventsource.js";
import { WebSocket } from "ext:rt_ws/41_websocket.js";
import { installAutoServe } from "ext:rt_serve/52_serve.js";
import { installBun } from "ext:rt_bun/60_bun.js";

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
