// rt's stand-in for the `harness` module Bun's own tests import (Bun's
// test/harness.ts spawns Bun and reads its internals). Under `rt test`,
// `harness` and a relative import of a file named harness.ts lead here.
// What rt can answer is real (the rt binary, temp directories, a TLS
// certificate made at load); the rest are stand-ins that say so when used.

import { op_test_certificate } from "ext:core/ops";
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";

const env = globalThis.process.env;
const isCI = env.CI !== undefined && env.CI !== "" && env.CI !== "false";

function bunExe() {
  return globalThis.process.execPath;
}

const bunEnv = { ...env, NO_COLOR: "1", FORCE_COLOR: undefined, BUN_DEBUG_QUIET_LOGS: "1" };
delete bunEnv.FORCE_COLOR;

function uniqueDir(prefix) {
  const dir = path.join(os.tmpdir(), `${prefix}-${crypto.randomUUID().slice(0, 8)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

function writeTree(base, tree) {
  for (const [name, content] of Object.entries(tree)) {
    const target = path.join(base, name);
    if (content !== null && typeof content === "object" && !ArrayBuffer.isView(content)) {
      fs.mkdirSync(target, { recursive: true });
      writeTree(target, content);
    } else {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, typeof content === "function" ? String(content()) : content);
    }
  }
}

function tmpdirSync(prefix = "rt-test") {
  return uniqueDir(prefix);
}

function tempDirWithFiles(name, files) {
  const dir = uniqueDir(name);
  writeTree(dir, files ?? {});
  return dir;
}

/** A temp directory removed at the end of its `using` block. */
function tempDir(name, files) {
  const dir = tempDirWithFiles(name, files);
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  return {
    path: dir,
    toString: () => dir,
    [Symbol.toPrimitive]: () => dir,
    [Symbol.dispose]: remove,
    [Symbol.asyncDispose]: async () => remove(),
  };
}

let certificate;
function testCertificate() {
  if (!certificate) {
    const [cert, key] = op_test_certificate();
    certificate = Object.freeze({ cert, key, ca: cert });
  }
  return certificate;
}

function normalizeBunSnapshot(text, optionalDir) {
  let out = String(text).replace(/\r\n/g, "\n").replace(/\x1b\[[0-9;]*m/g, "");
  if (optionalDir) out = out.split(String(optionalDir)).join("<dir>");
  out = out.split(globalThis.process.cwd()).join("<cwd>");
  return out.trim();
}

const exports = {
  isWindows: false,
  isPosix: true,
  isLinux: true,
  isMacOS: false,
  isIntelMacOS: false,
  isArm64: globalThis.process.arch === "arm64",
  isDebug: false,
  isASAN: false,
  isCI,
  isMusl: false,
  isGlibc: true,
  libcFamily: "glibc",
  isBuildKite: false,
  isVerbose: false,
  isFlaky: isCI,
  isBroken: isCI,
  BREAKING_CHANGES_BUN_1_2: false,
  bunEnv,
  bunExe,
  nodeExe: () => null,
  shellExe: () => "/bin/sh",
  gc: () => {},
  gcTick: async () => {},
  withoutAggressiveGC: (fn) => fn(),
  disableAggressiveGCScope: () => ({ [Symbol.dispose]() {} }),
  expectMaxObjectTypeCount: async () => {},
  hideFromStackTrace: () => {},
  tmpdirSync,
  tempDirWithFiles,
  tempDirWithFilesAnon: (files) => tempDirWithFiles("rt-test", files),
  tempDir,
  makeTreeSync: writeTree,
  makeTree: async (base, tree) => writeTree(base, tree),
  randomPort: () => 10000 + Math.floor(Math.random() * 50000),
  isIPv4: () => true,
  isIPv6: () => false,
  normalizeBunSnapshot,
  osSlashes: (p) => p,
  ospath: (p) => p,
  joinP: (...parts) => path.join(...parts),
  readdirSorted: (dir) => fs.readdirSync(dir).sort(),
  readableStreamFromArray: (items) =>
    new ReadableStream({
      start(controller) {
        for (const item of items) controller.enqueue(item);
        controller.close();
      },
    }),
  getSecret: (name) => env[name],
};
Object.defineProperty(exports, "tls", { get: testCertificate, enumerable: true });

// The rest of Bun's harness reaches into Bun's build, its package manager
// or Docker: stand-ins that fail with a clear message when called.
for (const name of [
  "bunRun", "bunTest", "bunRunAsScript", "runWithError", "runWithErrorPromise", "fakeNodeRun",
  "toMatchNodeModulesAt", "toHaveBins", "toBeValidBin", "toBeWorkspaceLink", "getMaxFD",
  "dockerExe", "isDockerEnabled", "waitForPort", "describeWithContainer", "dumpStats",
  "toTOMLString", "fillRepeating", "writeShebangScript", "forEachLine", "mergeWindowEnvs", "runBunInstall",
  "stderrForInstall", "runBunUpdate", "pack", "expiredTls", "invalidTls", "rejectUnauthorizedScope",
  "getGlibcVersion", "isGlibcVersionAtLeast", "getMacOSVersion", "isMacOSVersionAtLeast",
  "forceGuardMalloc", "fileDescriptorLeakChecker", "waitForFileToExist", "libcPathForDlopen",
  "cwdScope", "rmScope", "textLockfile", "VerdaccioRegistry", "assertManifestsPopulated",
  "lazyPromiseLike", "gunzipJsonRequest", "nodeModulesPackages", "makeTreeSyncFromDirectoryTree",
  "randomLoneSurrogate", "randomInvalidSurrogatePair", "randomLoneHighSurrogate",
  "randomLoneLowSurrogate",
]) {
  exports[name] = () => {
    throw new Error(`harness.${name}() is not available under rt test`);
  };
}
exports.default = exports;
export default exports;
export {
  bunEnv,
  bunExe,
  isCI,
  normalizeBunSnapshot,
  tempDir,
  tempDirWithFiles,
  tmpdirSync,
};
export const {
  BREAKING_CHANGES_BUN_1_2,
  VerdaccioRegistry,
  assertManifestsPopulated,
  bunRun,
  bunRunAsScript,
  bunTest,
  cwdScope,
  describeWithContainer,
  disableAggressiveGCScope,
  dockerExe,
  dumpStats,
  expectMaxObjectTypeCount,
  expiredTls,
  fakeNodeRun,
  fileDescriptorLeakChecker,
  fillRepeating,
  forEachLine,
  forceGuardMalloc,
  gc,
  gcTick,
  getGlibcVersion,
  getMacOSVersion,
  getMaxFD,
  getSecret,
  gunzipJsonRequest,
  hideFromStackTrace,
  invalidTls,
  isASAN,
  isArm64,
  isBroken,
  isBuildKite,
  isDebug,
  isDockerEnabled,
  isFlaky,
  isGlibc,
  isGlibcVersionAtLeast,
  isIPv4,
  isIPv6,
  isIntelMacOS,
  isLinux,
  isMacOS,
  isMacOSVersionAtLeast,
  isMusl,
  isPosix,
  isVerbose,
  isWindows,
  joinP,
  lazyPromiseLike,
  libcFamily,
  libcPathForDlopen,
  makeTree,
  makeTreeSync,
  makeTreeSyncFromDirectoryTree,
  mergeWindowEnvs,
  nodeExe,
  nodeModulesPackages,
  osSlashes,
  ospath,
  pack,
  randomInvalidSurrogatePair,
  randomLoneHighSurrogate,
  randomLoneLowSurrogate,
  randomLoneSurrogate,
  randomPort,
  readableStreamFromArray,
  readdirSorted,
  rejectUnauthorizedScope,
  rmScope,
  runBunInstall,
  runBunUpdate,
  runWithError,
  runWithErrorPromise,
  shellExe,
  stderrForInstall,
  tempDirWithFilesAnon,
  textLockfile,
  tls,
  toBeValidBin,
  toBeWorkspaceLink,
  toHaveBins,
  toMatchNodeModulesAt,
  toTOMLString,
  waitForFileToExist,
  waitForPort,
  withoutAggressiveGC,
  writeShebangScript,
} = exports;
