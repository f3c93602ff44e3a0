// `bun:jsc`: JavaScriptCore's introspection hooks. rt runs on another
// engine, so these are stand-ins that let Bun's tests load: describing a
// value returns "" and the GC hooks ask the engine for nothing.

(function () {
const noop = () => {};
const notSupported = (name) => () => {
  throw new Error(`bun:jsc ${name}() is not supported by rt`);
};
return {
  jscDescribe: () => "",
  jscDescribeArray: () => "",
  describe: () => "",
  describeArray: () => "",
  gcAndSweep: noop,
  fullGC: noop,
  edenGC: noop,
  heapSize: () => 0,
  heapStats: () => ({ heapSize: 0, heapCapacity: 0, objectCount: 0, objectTypeCounts: {}, protectedObjectTypeCounts: {} }),
  memoryUsage: () => ({ current: 0, peak: 0, currentCommit: 0, peakCommit: 0, pageFaults: 0 }),
  getRandomSeed: () => 0,
  setRandomSeed: noop,
  isRope: () => false,
  callerSourceOrigin: () => "",
  noFTL: (fn) => fn,
  noOSRExitFuzzing: (fn) => fn,
  optimizeNextInvocation: noop,
  numberOfDFGCompiles: () => 0,
  releaseWeakRefs: noop,
  totalCompileTime: () => 0,
  reoptimizationRetryCount: () => 0,
  drainMicrotasks: noop,
  setTimeZone: notSupported("setTimeZone"),
  setTimezone: notSupported("setTimezone"),
  serialize: (value) => new TextEncoder().encode(JSON.stringify(value)),
  deserialize: (bytes) => JSON.parse(new TextDecoder().decode(bytes)),
  estimateShallowMemoryUsageOf: () => 0,
  profile: notSupported("profile"),
  startSamplingProfiler: notSupported("startSamplingProfiler"),
  samplingProfilerStackTraces: notSupported("samplingProfilerStackTraces"),
  startRemoteDebugger: notSupported("startRemoteDebugger"),
  getProtectedObjects: () => [],
  generateHeapSnapshotForDebugging: () => ({}),
};
})();
