// node:dns: lookup() for clients that resolve before connecting. Names
// resolve through the system resolver in Rust (op_net_lookup).

import { op_net_lookup } from "ext:core/ops";
import { isIP } from "node:net";
import { errors } from "ext:rt_web/01_errors.js";

async function lookupAll(hostname, family) {
  const kind = isIP(hostname);
  if (kind) return [{ address: hostname, family: kind }];
  const found = await op_net_lookup(`${hostname}`);
  return found
    .map(([address, fam]) => ({ address, family: fam }))
    .filter((a) => !family || a.family === family);
}

function lookup(hostname, options, callback) {
  if (typeof options === "function") {
    callback = options;
    options = {};
  }
  const opts = typeof options === "number" ? { family: options } : options ?? {};
  lookupAll(hostname, opts.family).then(
    (all) => {
      if (opts.all) return callback(null, all);
      if (!all.length) {
        const err = errors.NotFound(`getaddrinfo ENOTFOUND ${hostname}`);
        err.syscall = "getaddrinfo";
        err.hostname = hostname;
        return callback(err);
      }
      callback(null, all[0].address, all[0].family);
    },
    (err) => callback(err),
  );
}

const promises = {
  async lookup(hostname, options = {}) {
    const opts = typeof options === "number" ? { family: options } : options;
    const all = await lookupAll(hostname, opts.family);
    if (opts.all) return all;
    if (!all.length) {
      const err = errors.NotFound(`getaddrinfo ENOTFOUND ${hostname}`);
      throw err;
    }
    return all[0];
  },
};

const dns = { lookup, promises, ADDRCONFIG: 1024, V4MAPPED: 2048, ALL: 256 };
export default dns;
export const { ADDRCONFIG, V4MAPPED, ALL } = dns;
// Members whose module-level binding is another value.
const {
  lookup: lookup$,
  promises: promises$,
} = dns;
export {
  lookup$ as lookup,
  promises$ as promises,
};
