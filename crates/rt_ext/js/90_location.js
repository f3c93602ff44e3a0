// `location` for scripts run as a page (`rt wpt-run`): the worker-style
// read-only WorkerLocation (https://html.spec.whatwg.org/#workerlocation),
// which is all a test page's scripts read. A plain `rt run` has none, as
// in Bun.

import { webScript } from "ext:rt/00_web.js";

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
    value(href) {
      delete globalThis.__rtSetLocation;
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
