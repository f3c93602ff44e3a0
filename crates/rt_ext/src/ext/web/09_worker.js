// Web Workers as Bun has them (https://html.spec.whatwg.org/multipage/workers.html):
// `new Worker(url | path, { name, env, argv })` runs a module on a thread of
// its own with its own runtime (ext/web/worker.rs); messages cross on a pair
// of deno_web message ports, so structured clone and transfer are deno_web's.
// Inside the worker, `initWorkerScope` turns the global into its `self`.

import { core } from "ext:core/mod.js";
import {
  op_message_port_post_message,
  op_message_port_recv_message,
  op_worker_create,
  op_worker_event,
  op_worker_exit,
  op_worker_load_script,
  op_worker_scope,
  op_worker_terminate,
} from "ext:core/ops";
import { makeGlobalScope, trusted, webScript } from "ext:rt_web/00_web.js";
import { errors } from "ext:rt_web/01_errors.js";
import { processInfo } from "ext:rt_web/02_process.js";
import { boxErrors, ERRORS_BOXED, isErrorCloneFailure, unboxErrors } from "ext:rt_web/06_clone.js";

const {
  CloseEvent,
  defineEventHandler,
  ErrorEvent,
  Event,
  EventTarget,
  EventTargetPrototype,
  listenerCount,
  MessageEvent,
} = webScript("02_event");
const { deserializeJsMessageData, serializeJsMessageData } = webScript(
  "13_message_port",
);

const kId = Symbol("id");
const kPort = Symbol("port");
const kEvents = Symbol("events");
const kRefed = Symbol("refed");
const kPortOpen = Symbol("portOpen");
const kExit = Symbol("exit");
const kReceiving = Symbol("receiving");

/** The transfer list of `postMessage(message, transfer | { transfer })`. */
function transferList(transferOrOptions) {
  if (transferOrOptions === undefined || transferOrOptions === null) return [];
  if (Array.isArray(transferOrOptions)) return transferOrOptions;
  if (typeof transferOrOptions !== "object") {
    throw errors.InvalidArgType("postMessage's second argument must be an array or an object");
  }
  const transfer = transferOrOptions.transfer;
  return transfer === undefined ? [] : Array.from(transfer);
}

/** Posts `message` on port `rid` (structured clone; `transfer` detaches). */
function post(rid, message, transferOrOptions) {
  const transfer = transferList(transferOrOptions);
  let data;
  try {
    data = serializeJsMessageData(message, transfer);
  } catch (error) {
    // Only Errors get a second try, boxed; anything else is not cloneable.
    if (!isErrorCloneFailure(error)) throw error;
    data = serializeJsMessageData({ [ERRORS_BOXED]: boxErrors(message) }, transfer);
  }
  op_message_port_post_message(rid, data);
}

/** A received message, with boxed Errors restored. */
function unpack(message) {
  if (typeof message === "object" && message !== null && Object.hasOwn(message, ERRORS_BOXED)) {
    return unboxErrors(message[ERRORS_BOXED]);
  }
  return message;
}

/**
 * Receives messages on `rid` until the other side's runtime is gone,
 * dispatching `message` (or `messageerror`) on `target`. `refed()` says
 * whether a pending receive keeps the event loop alive.
 */
async function receive(rid, target, refed, onPending) {
  while (true) {
    const promise = op_message_port_recv_message(rid);
    if (!refed()) core.unrefOpPromise(promise);
    onPending(promise);
    let data;
    try {
      data = await promise;
    } catch {
      data = null;
    }
    if (data === null || data === undefined) return;
    let message;
    try {
      message = unpack(deserializeJsMessageData(data)[0]);
    } catch {
      target.dispatchEvent(trusted(new MessageEvent("messageerror")));
      continue;
    }
    try {
      target.dispatchEvent(trusted(new MessageEvent("message", { data: message })));
    } catch (error) {
      core.reportUnhandledException(error);
    }
  }
}

/** The page's URL when this runtime has one (`rt wpt-run`, a worker
 * loaded over http), else null. */
function pageBase() {
  const location = globalThis.location;
  return typeof location?.href === "string" ? location.href : null;
}

/** What a Worker runs: URLs as given; on a page, specifiers relative to the
 * page (as in browsers); elsewhere paths from the working directory (as
 * Bun does). Classic workers may load over http(s); modules from files. */
function workerSpecifier(specifier, classic) {
  if (specifier instanceof URL) specifier = specifier.href;
  if (typeof specifier !== "string") specifier = String(specifier);
  if (specifier === "") throw errors.InvalidArgType("Worker needs a module to run");
  const base = pageBase();
  let url = null;
  if (base !== null) {
    url = new URL(specifier, base);
  } else if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(specifier) && !/^[a-zA-Z]:[\\/]/.test(specifier)) {
    url = new URL(specifier);
  }
  if (url === null) {
    return specifier.startsWith("/") ? specifier : `${processInfo().cwd}/${specifier}`;
  }
  const remote = url.protocol === "http:" || url.protocol === "https:";
  if (url.protocol !== "file:" && !(remote && classic)) {
    throw errors.InvalidUrlScheme(`Worker cannot load ${url.protocol} ${classic ? "scripts" : "modules"}`);
  }
  return url.href;
}

/** `new Worker(specifier, options)`. */
class Worker extends EventTarget {
  [kId];
  [kPort];
  [kRefed] = true;
  [kPortOpen] = true;
  [kExit] = null;
  /** The pending receive on the port. */
  [kReceiving] = null;
  /** The pending event op, which keeps the process alive while refed. */
  [kEvents] = null;

  constructor(specifier, options = undefined) {
    super();
    if (options !== undefined && options !== null && typeof options !== "object") {
      throw errors.InvalidArgType("The \"options\" argument must be an object");
    }
    const name = options?.name === undefined ? "" : String(options.name);
    const argv = options?.argv === undefined ? [] : Array.from(options.argv, String);
    let env = null;
    if (options?.env !== undefined && options.env !== null) {
      env = { __proto__: null };
      for (const [key, value] of Object.entries(options.env)) env[key] = String(value);
    }
    // Bun's workers are modules; a page's are classic scripts, as in
    // browsers (`type` chooses).
    const type = options?.type === undefined ? (pageBase() === null ? "module" : "classic") : String(options.type);
    if (type !== "module" && type !== "classic") {
      throw errors.InvalidArgValue(`Worker type must be "module" or "classic", not "${type}"`);
    }
    const classic = type === "classic";
    const [id, port] = op_worker_create(workerSpecifier(specifier, classic), { name, argv, env, classic });
    this[kId] = id;
    this[kPort] = port;
    this.#pump();
    // Receiving alone does not keep the process alive (the worker's life
    // does), except after the worker exited: then the messages it posted
    // last must still be delivered before the port reports closed.
    const refed = () => this[kExit] !== null && this[kRefed];
    receive(port, this, refed, (promise) => {
      this[kReceiving] = promise;
    }).then(() => {
      this[kPortOpen] = false;
      this.#maybeClose();
    });
  }

  async #pump() {
    while (true) {
      const promise = op_worker_event(this[kId]);
      if (!this[kRefed]) core.unrefOpPromise(promise);
      this[kEvents] = promise;
      const event = await promise;
      this[kEvents] = null;
      if (event === null || event === undefined) return;
      switch (event.kind) {
        case "open":
          this.dispatchEvent(trusted(new Event("open")));
          break;
        case "error":
          this.dispatchEvent(trusted(
            new ErrorEvent("error", {
              message: event.message,
              filename: event.filename,
              lineno: event.lineno,
              colno: event.colno,
              cancelable: true,
            }),
          ));
          break;
        case "exit":
          this[kExit] = event.code;
          if (this[kRefed] && this[kPortOpen] && this[kReceiving]) {
            core.refOpPromise(this[kReceiving]);
          }
          this.#maybeClose();
          return;
      }
    }
  }

  /** `close` goes out once the worker has exited and its last messages
   * were dispatched (its port closes when its runtime is dropped). */
  #maybeClose() {
    if (this[kExit] === null || this[kPortOpen]) return;
    // Bun's close event: a CloseEvent whose code is the exit code.
    this.dispatchEvent(trusted(new CloseEvent("close", { code: this[kExit] })));
  }

  /** The id rt gave the worker (Bun's `threadId`). */
  get threadId() {
    return this[kId];
  }

  postMessage(message, transferOrOptions = undefined) {
    if (this[kExit] !== null) return;
    post(this[kPort], message, transferOrOptions);
  }

  terminate() {
    op_worker_terminate(this[kId]);
  }

  /** Keeps the process alive while the worker runs (the default). */
  ref() {
    this[kRefed] = true;
    if (this[kEvents]) core.refOpPromise(this[kEvents]);
  }

  /** Lets the process exit even though the worker still runs. */
  unref() {
    this[kRefed] = false;
    if (this[kEvents]) core.unrefOpPromise(this[kEvents]);
  }
}

for (const name of ["message", "messageerror", "error", "open", "close"]) {
  defineEventHandler(Worker.prototype, name);
}

/**
 * Inside a worker: makes the global its `self` (an EventTarget with
 * `postMessage`, `onmessage`, `close()` and `name`). A pending receive keeps
 * the worker alive only while something listens for messages, so a worker
 * without one ends when its work does, as in Bun.
 */
function initWorkerScope() {
  const scope = op_worker_scope();
  if (scope === null) return;
  const [port, name, scriptUrl] = scope;
  // The global is a DedicatedWorkerGlobalScope (an EventTarget), as in
  // browsers; testharness.js tells workers from windows by it.
  class WorkerGlobalScope extends EventTarget {
    constructor() {
      throw new TypeError("Illegal constructor");
    }
  }
  class DedicatedWorkerGlobalScope extends WorkerGlobalScope {}
  makeGlobalScope(DedicatedWorkerGlobalScope, [
    ["WorkerGlobalScope", WorkerGlobalScope],
    ["DedicatedWorkerGlobalScope", DedicatedWorkerGlobalScope],
  ]);
  let pending = null;
  const listening = () => listenerCount(globalThis, "message") > 0;
  const updateRef = () => {
    if (pending === null) return;
    if (listening()) core.refOpPromise(pending);
    else core.unrefOpPromise(pending);
  };
  const addEventListener = EventTargetPrototype.addEventListener;
  const removeEventListener = EventTargetPrototype.removeEventListener;
  const methods = {
    addEventListener(type, listener, options) {
      addEventListener.call(globalThis, type, listener, options);
      if (String(type) === "message") updateRef();
    },
    removeEventListener(type, listener, options) {
      removeEventListener.call(globalThis, type, listener, options);
      if (String(type) === "message") updateRef();
    },
    dispatchEvent(event) {
      return EventTargetPrototype.dispatchEvent.call(globalThis, event);
    },
    postMessage(message, transferOrOptions = undefined) {
      post(port, message, transferOrOptions);
    },
    close() {
      op_worker_exit(0);
    },
    /** Loads and runs classic scripts in order, synchronously (relative
     * URLs from the worker's location). */
    importScripts(...urls) {
      const base = pageBase() ?? scriptUrl;
      const hrefs = urls.map((url) => new URL(String(url), base).href);
      for (const href of hrefs) {
        const source = op_worker_load_script(href);
        const [, error] = core.evalContext(source, href);
        if (error !== null) throw error.thrown;
      }
    },
  };
  for (const key of Object.keys(methods)) {
    Object.defineProperty(globalThis, key, {
      __proto__: null,
      value: methods[key],
      writable: true,
      enumerable: false,
      configurable: true,
    });
  }
  Object.defineProperty(globalThis, "name", {
    __proto__: null,
    value: name,
    writable: true,
    enumerable: false,
    configurable: true,
  });
  for (const type of ["message", "messageerror", "error"]) {
    let handler = null;
    let wrapper = null;
    Object.defineProperty(globalThis, `on${type}`, {
      __proto__: null,
      get: () => handler,
      set: (value) => {
        if (wrapper !== null) globalThis.removeEventListener(type, wrapper);
        handler = typeof value === "function" ? value : null;
        wrapper = handler === null ? null : (event) => handler.call(globalThis, event);
        if (wrapper !== null) globalThis.addEventListener(type, wrapper);
      },
      enumerable: true,
      configurable: true,
    });
  }
  // Messages wait until the module has run and set its handlers (HTML:
  // the port's message queue is enabled after the script runs).
  globalThis.__rtWorkerStart = () => {
    delete globalThis.__rtWorkerStart;
    receive(port, globalThis, listening, (promise) => {
      pending = promise;
    });
  };
}

/** `Bun.isMainThread` (an accessor: a worker's runtime starts from the
 * same snapshot). */
export const isMainThread = () => op_worker_scope() === null;

/** Installs `Worker`. */
export function installWorker() {
  Object.defineProperty(globalThis, "Worker", {
    __proto__: null,
    value: Worker,
    writable: true,
    enumerable: false,
    configurable: true,
  });
  // Called by the runtime after it restores the snapshot (a worker's
  // scope exists only then); deleted on the main thread.
  globalThis.__rtWorkerInit = initWorkerScope;
}

export { Worker };
