// Bun.CryptoHasher, Bun.hash, SHA256.hash, escapeHTML, Bun.password and
// gzipSync, timed in one process (rt run vs bun).
const now = () => performance.now();
const mb = new Uint8Array(1 << 20).fill(7);
let t = now();
for (let i = 0; i < 50; i++) new Bun.CryptoHasher("sha256").update(mb).digest("hex");
const sha = (50 / ((now() - t) / 1000)).toFixed(0);
t = now();
let x = 0n;
for (let i = 0; i < 100000; i++) x ^= Bun.hash("key-" + (i & 1023));
const wy = ((now() - t) * 1000 / 100000).toFixed(3);
t = now();
for (let i = 0; i < 100000; i++) Bun.SHA256.hash("abc" + (i & 1023), "hex");
const small = ((now() - t) * 1000 / 100000).toFixed(3);
const html = `<div class="x">Tom & "Jerry"</div>`.repeat(4);
t = now();
for (let i = 0; i < 100000; i++) Bun.escapeHTML(html);
const esc = ((now() - t) * 1000 / 100000).toFixed(3);
t = now();
await Bun.password.hash("correct horse");
const argon = (now() - t).toFixed(0);
t = now();
await Bun.password.hash("correct horse", { algorithm: "bcrypt" });
const bc = (now() - t).toFixed(0);
t = now();
const gz = Bun.gzipSync(mb);
const gzt = (now() - t).toFixed(1);
console.log(`sha256 1MiB: ${sha} MiB/s; Bun.hash short string: ${wy} us; SHA256.hash small hex: ${small} us; escapeHTML 160B: ${esc} us; argon2id default: ${argon} ms; bcrypt 10: ${bc} ms; gzipSync 1MiB: ${gzt} ms`);
