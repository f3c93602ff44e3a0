// node:timers: the global timers, and `timers.promises`.

const promises = {
  setTimeout: (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value)),
  setImmediate: (value) => new Promise((resolve) => setImmediate(resolve, value)),
  scheduler: {
    wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    yield: () => new Promise((resolve) => setImmediate(resolve)),
  },
};
const timers = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  clearImmediate: globalThis.clearImmediate,
  promises,
};
export default timers;
export { promises };
export const {
  setTimeout,
  clearTimeout,
  setInterval,
  clearInterval,
  setImmediate,
  clearImmediate,
} = timers;
