// Bun.redis: sequential GETs and 1000 concurrent SETs at a time, against
// the redis-server whose URL is argv[2].
import { RedisClient } from "bun";
const c = new RedisClient(process.argv[2]);
await c.set("k", "v");
let t = performance.now();
for (let i = 0; i < 5000; i++) await c.get("k");
const seq = 5000 / ((performance.now() - t) / 1000);
t = performance.now();
for (let r = 0; r < 10; r++) await Promise.all(Array.from({ length: 1000 }, (_, i) => c.set("k" + i, "v")));
const par = 10000 / ((performance.now() - t) / 1000);
console.log(`sequential GET: ${seq.toFixed(0)}/s; 1000 concurrent SETs x10: ${par.toFixed(0)}/s`);
c.close();
