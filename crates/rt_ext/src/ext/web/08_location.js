// `location` for scripts run as a page (`rt wpt-run`): the worker-style
// read-only WorkerLocation (https://html.spec.whatwg.org/#workerlocation),
// which is all a test page's scripts read. A plain `rt run` has none, as
// in Bun.

import { core } from "ext:core/mod.js";
import { makeGlobalScope, webScript } from "ext:rt_web/00_web.js";

const kUrl = Symbol("url");

/** https://html.spec.whatwg.org/#the-workerlocation-interface */
class WorkerLocation {
  constructor(url) {
    this[kUrl] = url;
  }
  get href() {
    return this[kUrl].href;
  }
  get origin() {
    return this[kUrl].origin;
  }
  get protocol() {
    return this[kUrl].protocol;
  }
  get host() {
    return this[kUrl].host;
  }
  get hostname() {
    return this[kUrl].hostname;
  }
  get port() {
    return this[kUrl].port;
  }
  get pathname() {
    return this[kUrl].pathname;
  }
  get search() {
    return this[kUrl].search;
  }
  get hash() {
    return this[kUrl].hash;
  }
  toString() {
    return this[kUrl].href;
  }
  get [Symbol.toStringTag]() {
    return "WorkerLocation";
  }
}

/** Installs the one-shot hook the runtime calls with the page URL. */
export function installLocationHook() {
  Object.defineProperty(globalThis, "__rtSetLocation", {
    __proto__: null,
    configurable: true,
    value(href, isWindow = false) {
      delete globalThis.__rtSetLocation;
      if (isWindow) installWindow();
      const { URL } = webScript("00_url");
      const location = new WorkerLocation(new URL(href));
      Object.defineProperty(globalThis, "location", {
        __proto__: null,
        get: () => location,
        enumerable: true,
        configurable: true,
      });
    },
  });
}

/** A page's global is a Window (an EventTarget), as a browser's is: what
 * `self instanceof Window` and WebIDL's exposure checks look for. Only
 * pages (`rt wpt-run`) get one; a script's global stays plain, as in Bun. */
function installWindow() {
  const { EventTarget, reportException, saveGlobalThisReference } = webScript("02_event");
  class Window extends EventTarget {
    constructor() {
      throw new TypeError("Illegal constructor");
    }
    get [Symbol.toStringTag]() {
      return "Window";
    }
  }
  makeGlobalScope(Window, [["Window", Window]]);
  saveGlobalThisReference(globalThis);
  // An exception a queueMicrotask callback throws is reported as an
  // ErrorEvent on the window, as HTML's "report the exception" does; only if
  // no listener cancels it does it end the page.
  core.setReportExceptionCallback(reportException);
}
