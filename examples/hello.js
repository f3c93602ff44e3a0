// A tour of what `rt run` gives a script: ES modules, top-level await,
// timers, the web platform classes, `process` and `Bun`.
const started = Bun.nanoseconds();

const url = new URL("/greet?name=rt", "http://localhost");
const name = url.searchParams.get("name");
const bytes = new TextEncoder().encode(`hello, ${name}`);

console.log(new TextDecoder().decode(bytes));

await Bun.sleep(5);
const stream = new ReadableStream({
  start(controller) {
    for (const word of ["streams", "timers", "modules"]) controller.enqueue(word);
    controller.close();
  },
});
for await (const word of stream) console.log(`- ${word}`);

console.log({ platform: process.platform, bun: Bun.version, uuid: crypto.randomUUID().length });
console.log(`done in ${((Bun.nanoseconds() - started) / 1e6).toFixed(1)} ms`);
