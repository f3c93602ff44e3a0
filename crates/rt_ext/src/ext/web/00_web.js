// Web platform globals from deno_web, installed lazily.
//
// deno_web registers its scripts but evaluates none of them. Each global here
// is an accessor that loads the script defining it on first use, so a script
// that never touches streams never pays for the 8,500-line streams module.

import { core, primordials } from "ext:core/mod.js";

const {
  ArrayPrototypeIncludes,
  ObjectDefineProperty,
  ObjectGetOwnPropertyDescriptor,
  ObjectSetPrototypeOf,
  ReflectApply,
  ReflectOwnKeys,
  RegExpPrototypeTest,
  TypeError,
} = primordials;

const {
  createLazyLoader,
  defineGlobalProperties,
  loadExtScript,
  propNonEnumerableLazyLoaded,
} = core;

/** A loader for one deno_web (or deno_webidl) script. */
function script(name) {
  const load = () => loadExtScript(`ext:deno_web/${name}.js`);
  load.scriptName = name;
  return load;
}

const url = script("00_url");
const urlPattern = script("01_urlpattern");
const broadcastChannel = script("01_broadcast_channel");
const domException = script("01_dom_exception");
const event = script("02_event");
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
  ["QuotaExceededError", domException],
  ["Event", event],
  ["EventTarget", event],
  ["CustomEvent", event],
  ["ErrorEvent", event],
  ["CloseEvent", event],
  ["MessageEvent", event],
  ["ProgressEvent", event],
  ["PromiseRejectionEvent", event],
  ["reportError", event],
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
  // The interfaces are plain globals; only the `performance` instance is
  // lazy, because reading it first sets its time origin.
  ["performance", performanceScript],
  ["Performance", loadPerformance],
  ["PerformanceEntry", loadPerformance],
  ["PerformanceMark", loadPerformance],
  ["PerformanceMeasure", loadPerformance],
  ["PerformanceObserver", loadPerformance],
  ["PerformanceObserverEntryList", loadPerformance],
  // Node's Buffer is a global in Bun too; its script loads on first use.
  ["Buffer", createLazyLoader("node:buffer")],
];

/** Installs the web globals on `globalThis`: those of scripts already in
 * the snapshot (PRELOAD) as plain data properties, as WebIDL defines
 * interface objects; the others as accessors that load their script. */
export function installWebGlobals() {
  const props = { __proto__: null };
  for (let i = 0; i < LAZY_GLOBALS.length; i++) {
    const [name, load] = LAZY_GLOBALS[i];
    if (load.scriptName !== undefined && ArrayPrototypeIncludes(PRELOAD, load.scriptName)) {
      props[name] = { value: load()[name], writable: true, enumerable: false, configurable: true };
    } else {
      props[name] = propNonEnumerableLazyLoaded((mod) => mod[name], load);
    }
  }
  defineGlobalProperties(globalThis, props);
  installAtob();
  // Ops report DOMExceptions by class name ("DOMExceptionInvalidCharacterError"
  // for a bad atob input); each needs a builder, or the error thrown is
  // undefined.
  for (let i = 0; i < DOM_EXCEPTION_ERRORS.length; i++) {
    const name = DOM_EXCEPTION_ERRORS[i];
    core.registerErrorBuilder(`DOMException${name}`, (message) => new (domException().DOMException)(message, name));
  }
}

/** `atob` as deno_web defines it, but with the standard alphabet only: the
 * engine's base64 decoder behind it (on the QuickJS backend) also takes
 * base64url's `-` and `_`, which forgiving-base64 decode rejects. */
function installAtob() {
  const { atob: decode } = base64();
  const atob = {
    atob(data) {
      if (arguments.length < 1) return decode();
      data = typeof data === "symbol" ? decode(data) : `${data}`;
      if (RegExpPrototypeTest(BASE64URL_ONLY, data)) {
        throw new (domException().DOMException)(
          "Failed to decode base64: invalid character",
          "InvalidCharacterError",
        );
      }
      return decode(data);
    },
  }.atob;
  ObjectDefineProperty(globalThis, "atob", { value: atob, writable: true, enumerable: false, configurable: true });
}
const BASE64URL_ONLY = /[-_]/;

/** The DOMException names deno_web's ops (and rt's) throw. */
const DOM_EXCEPTION_ERRORS = [
  "IndexSizeError",
  "InvalidCharacterError",
  "InvalidStateError",
  "SyntaxError",
  "NotSupportedError",
  "DataError",
  "OperationError",
  "AbortError",
  "QuotaExceededError",
];

/**
 * Defines `name` on `target` as a value made on first read (`make()`),
 * after which it is a plain writable data property; assigning before that
 * replaces it the same way. rt's lazy globals and `Bun` members use it, so
 * that what a script never touches is never made.
 */
export function lazyProperty(target, name, make, enumerable) {
  const settle = (value) => {
    ObjectDefineProperty(target, name, {
      __proto__: null,
      value,
      writable: true,
      enumerable,
      configurable: true,
    });
    return value;
  };
  ObjectDefineProperty(target, name, {
    __proto__: null,
    get: () => settle(make()),
    set: settle,
    enumerable,
    configurable: true,
  });
}

/** Loads a deno_web script by its short name, for rt's own modules. */
export function webScript(name) {
  return loadExtScript(`ext:deno_web/${name}.js`);
}

/**
 * Shapes a class as WebIDL defines an interface: methods and accessors
 * enumerable, a @@toStringTag; and, with `isInstance`, every accessor on
 * the prototype throws a TypeError for a `this` that is not an instance
 * (`WebSocket.prototype.url`).
 */
export function webidlInterface(Class, isInstance = undefined) {
  const webidl = loadExtScript("ext:deno_webidl/00_webidl.js");
  webidl.configureInterface(Class);
  if (isInstance === undefined) return;
  const proto = Class.prototype;
  const names = ReflectOwnKeys(proto);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name === "constructor" || typeof name === "symbol") continue;
    const desc = ObjectGetOwnPropertyDescriptor(proto, name);
    if (desc.get !== undefined) desc.get = branded(desc.get, `get ${name}`, isInstance);
    if (desc.set !== undefined) desc.set = branded(desc.set, `set ${name}`, isInstance);
    if (typeof desc.value === "function") desc.value = branded(desc.value, name, isInstance);
    ObjectDefineProperty(proto, name, desc);
  }
}

/** `fn`, throwing a TypeError for a `this` that fails `isInstance`; named
 * and sized as the original. */
function branded(fn, name, isInstance) {
  const wrapper = function (...args) {
    if (!isInstance(this)) throw new TypeError("Illegal invocation");
    return ReflectApply(fn, this, args);
  };
  ObjectDefineProperty(wrapper, "name", { value: name, configurable: true });
  ObjectDefineProperty(wrapper, "length", { value: fn.length, configurable: true });
  return wrapper;
}

/**
 * Makes the global an instance of `Scope`, an EventTarget interface (a
 * page's Window, a worker's DedicatedWorkerGlobalScope), and defines
 * `interfaces` (`[name, class]`) as globals. EventTarget's methods called
 * bare (`addEventListener(...)`) act on the global, which therefore carries
 * WebIDL's brand and its own listener data.
 */
export function makeGlobalScope(Scope, interfaces) {
  ObjectSetPrototypeOf(globalThis, Scope.prototype);
  webScript("02_event").setEventTargetData(globalThis);
  const webidl = loadExtScript("ext:deno_webidl/00_webidl.js");
  globalThis[webidl.brand] = webidl.brand;
  for (let i = 0; i < interfaces.length; i++) {
    const [name, value] = interfaces[i];
    ObjectDefineProperty(globalThis, name, { value, writable: true, enumerable: false, configurable: true });
  }
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
  // deno_web shapes EventTarget as an interface but not the Event
  // subclasses (their members are not enumerable, their class string is
  // Event's).
  const events = webScript("02_event");
  for (const name of ["CloseEvent", "MessageEvent", "ErrorEvent", "CustomEvent", "ProgressEvent", "PromiseRejectionEvent"]) {
    webidlInterface(events[name]);
  }
}
