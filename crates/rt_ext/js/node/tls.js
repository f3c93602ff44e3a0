// node:tls — not implemented yet: rt's TLS (rustls) serves Bun.serve and
// fetch, not raw sockets. Loading works, so that clients with optional TLS
// (ioredis, pg) load; connecting with TLS throws ERR_NOT_SUPPORTED.

(function () {
const { core } = __bootstrap;
const { Socket } = core.loadExtScript("ext:rt/node/net.js");

function notSupported(what) {
  const err = new Error(`${what} is not supported by rt yet`);
  err.code = "ERR_NOT_SUPPORTED";
  return err;
}

class TLSSocket extends Socket {
  constructor() {
    super();
    throw notSupported("tls.TLSSocket");
  }
}

const tls = {
  TLSSocket,
  connect() {
    throw notSupported("tls.connect()");
  },
  createServer() {
    throw notSupported("tls.createServer()");
  },
  createSecureContext(options = {}) {
    return { context: options };
  },
  DEFAULT_MIN_VERSION: "TLSv1.2",
  DEFAULT_MAX_VERSION: "TLSv1.3",
  rootCertificates: [],
};
return { ...tls, default: tls };
})();
