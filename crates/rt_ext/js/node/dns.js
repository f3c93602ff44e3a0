// node:dns — lookup() for clients that resolve before connecting. Names
// resolve through the system resolver in Rust (op_net_lookup).

(function () {
const { core } = __bootstrap;
const ops = core.ops;
const { isIP } = core.loadExtScript("ext:rt/node/net.js");

async function lookupAll(hostname, family) {
  const kind = isIP(hostname);
  if (kind) return [{ address: hostname, family: kind }];
  const found = await ops.op_net_lookup(`${hostname}`);
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
        const err = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        err.code = "ENOTFOUND";
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
      const err = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
      err.code = "ENOTFOUND";
      throw err;
    }
    return all[0];
  },
};

const dns = { lookup, promises, ADDRCONFIG: 1024, V4MAPPED: 2048, ALL: 256 };
return { ...dns, default: dns };
})();
