// console.log and Bun.inspect of a small object, per call.
const v = { id: 1, name: "x", tags: ["a", "b"], nested: { ok: true } };
let t = performance.now();
for (let i = 0; i < 5000; i++) Bun.inspect(v);
const inspect = ((performance.now() - t) * 1000 / 5000).toFixed(1);
t = performance.now();
for (let i = 0; i < 5000; i++) console.log(v);
console.error(`Bun.inspect(object): ${inspect} us; console.log(object) to /dev/null: ${((performance.now() - t) * 1000 / 5000).toFixed(1)} us`);
