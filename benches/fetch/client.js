// fetch throughput: TOTAL requests, CONCURRENCY in flight, against URL.
// Runs unchanged under rt, Bun and Deno; prints requests per second.
const env = globalThis.process?.env ?? Deno.env.toObject();
const url = env.URL;
const total = Number(env.TOTAL ?? 50000);
const concurrency = Number(env.CONCURRENCY ?? 64);
let next = 0;
async function worker() {
  while (next < total) {
    next++;
    const response = await fetch(url);
    await response.text();
  }
}
// Warm the pool first.
await Promise.all(Array.from({ length: concurrency }, () => fetch(url).then((r) => r.text())));
const start = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - start) / 1000;
console.log(Math.round(total / seconds));
