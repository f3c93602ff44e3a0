// The `bun` module: `import { serve, file } from "bun"` names the `Bun`
// global's members; the default export is `Bun` itself.

(function () {
const bun = globalThis.Bun;
const exports = { default: bun };
for (const key of Object.getOwnPropertyNames(bun)) {
  if (key === "default") continue;
  try {
    exports[key] = bun[key];
  } catch {
    // A getter that cannot answer yet leaves its export undefined.
    exports[key] = undefined;
  }
}
return exports;
})();
