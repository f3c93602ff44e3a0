// Certificates as JS sees them, in Node's PeerCertificate shape: for
// fetch's `checkServerIdentity` and Bun.serve's `server.peerCertificate`.

/**
 * Node's PeerCertificate from what the ops give (`certificate` with the
 * parsed fields, `raw` DER).
 */
export function peerCertificate(info) {
  const c = info.certificate;
  return {
    subject: Object.fromEntries(c.subject),
    issuer: Object.fromEntries(c.issuer),
    subjectaltname: c.subjectaltname,
    valid_from: c.valid_from,
    valid_to: c.valid_to,
    serialNumber: c.serial_number,
    fingerprint256: c.fingerprint256,
    raw: info.raw,
  };
}
