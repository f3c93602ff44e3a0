// node:tls: not implemented yet: rt's TLS (rustls) serves Bun.serve and
// fetch, not raw sockets. Loading works, so that clients with optional TLS
// (ioredis, pg) load; connecting with TLS throws ERR_NOT_SUPPORTED.

import { Socket } from "node:net";
import { errors } from "ext:rt_web/01_errors.js";

function notSupported(what) {
  const err = errors.NotSupported(`${what} is not supported by rt yet`);
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
export default tls;
export { TLSSocket };
export const {
  connect,
  createServer,
  createSecureContext,
  DEFAULT_MIN_VERSION,
  DEFAULT_MAX_VERSION,
  rootCertificates,
} = tls;
