// `bun:internal-for-testing`: Bun exposes internals to its own tests here.
// rt's stand-in has the pieces the shared Bun tests reach for, done rt's
// way: header names lowercased as rt's Headers does it (ASCII A-Z only;
// every other code unit is kept).

function lowercaseHeaderNameSIMD(name) {
  return String(name).replace(/[A-Z]+/g, (run) => run.toLowerCase());
}
export { lowercaseHeaderNameSIMD };
