// Web platform globals from deno_web, installed lazily.
//
// deno_web registers its scripts but evaluates none of them. Each global here
// is an accessor that loads the script defining it on first use, so a script
// that never touches streams never pays for the 8,500-line streams module.

import { core } from "ext:core/mod.js";

const {
  defineGlobalProperties,
  loadExtScript,
  propNonEnumerableLazyLoaded,
} = core;

/** A loader for one deno_web (or deno_webidl) script. */
function script(name) {
  return () => loadExtScript(`ext:deno_web/${name}.js`);
}

const url = script("00_url");
const urlPattern = script("01_urlpattern");
const broadcastChannel = script("01_broadcast_channel");
const domException = script("01_dom_exception");
const event = script("02_event");
const structuredCloneScript = script("02_structured_clone");
const abortSignal = script("03_abort_signal");
const base64 = script("05_base64");
const streams = script("06_streams");
const textEncoding = script("08_text_encoding");
const file = script("09_file");
const fileReader = script("10_filereader");
const messagePort = script("13_message_port");
const compression = script("14_compression");
const loadPerformance = script("15_performance");
let timeOriginSet = false;
/** The performance script, with its time origin set on first load: deno_web
 * computes it from the runtime's start instant, so setting it late is exact. */
function performanceScript() {
  const mod = loadPerformance();
  if (!timeOriginSet) {
    timeOriginSet = true;
    mod.setTimeOrigin();
  }
  return mod;
}

/** `[global name, loader]` for every lazily installed global; the name is also the export. */
const LAZY_GLOBALS = [
  ["URL", url],
  ["URLSearchParams", url],
  ["URLPattern", urlPattern],
  ["BroadcastChannel", broadcastChannel],
  ["DOMException", domException],
  ["Event", event],
  ["EventTarget", event],
  ["CustomEvent", event],
  ["ErrorEvent", event],
  ["CloseEvent", event],
  ["MessageEvent", event],
  ["ProgressEvent", event],
  ["PromiseRejectionEvent", event],
  ["reportError", event],
  ["structuredClone", structuredCloneScript],
  ["AbortController", abortSignal],
  ["AbortSignal", abortSignal],
  ["atob", base64],
  ["btoa", base64],
  ["ReadableStream", streams],
  ["ReadableStreamDefaultReader", streams],
  ["ReadableStreamBYOBReader", streams],
  ["ReadableStreamBYOBRequest", streams],
  ["ReadableStreamDefaultController", streams],
  ["ReadableByteStreamController", streams],
  ["WritableStream", streams],
  ["WritableStreamDefaultWriter", streams],
  ["WritableStreamDefaultController", streams],
  ["TransformStream", streams],
  ["TransformStreamDefaultController", streams],
  ["ByteLengthQueuingStrategy", streams],
  ["CountQueuingStrategy", streams],
  ["TextEncoder", textEncoding],
  ["TextDecoder", textEncoding],
  ["TextEncoderStream", textEncoding],
  ["TextDecoderStream", textEncoding],
  ["Blob", file],
  ["File", file],
  ["FileReader", fileReader],
  ["MessageChannel", messagePort],
  ["MessagePort", messagePort],
  ["CompressionStream", compression],
  ["DecompressionStream", compression],
  ["performance", performanceScript],
  ["Performance", performanceScript],
  ["PerformanceEntry", performanceScript],
  ["PerformanceMark", performanceScript],
  ["PerformanceMeasure", performanceScript],
  ["PerformanceObserver", performanceScript],
  ["PerformanceObserverEntryList", performanceScript],
  // Node's Buffer is a global in Bun too; its script loads on first use.
  ["Buffer", () => loadExtScript("ext:rt/node/buffer.js")],
];

/** Installs the lazy web globals on `globalThis`. */
export function installWebGlobals() {
  const props = { __proto__: null };
  for (let i = 0; i < LAZY_GLOBALS.length; i++) {
    const [name, load] = LAZY_GLOBALS[i];
    props[name] = propNonEnumerableLazyLoaded((mod) => mod[name], load);
  }
  defineGlobalProperties(globalThis, props);
}

/** Loads a deno_web script by its short name, for rt's own modules. */
export function webScript(name) {
  return loadExtScript(`ext:deno_web/${name}.js`);
}

let setIsTrusted;
/** Marks an event rt dispatches as trusted (`isTrusted`), as the user
 * agent's own events are; returns it. */
export function trusted(event) {
  setIsTrusted ??= webScript("02_event").setIsTrusted;
  setIsTrusted(event, true);
  return event;
}

/** Scripts evaluated at start-up, which puts them in the startup snapshot:
 * what nearly every server or client script touches. The rest stay lazy. */
const PRELOAD = [
  "00_url",
  "01_console",
  "01_dom_exception",
  "02_event",
  "02_structured_clone",
  "03_abort_signal",
  "05_base64",
  "06_streams",
  "08_text_encoding",
  "09_file",
  "13_message_port",
  "14_compression",
  "15_performance",
];

/** Evaluates the common scripts (once, while the snapshot is made). */
export function preloadWebScripts() {
  for (let i = 0; i < PRELOAD.length; i++) webScript(PRELOAD[i]);
}
