// node:process — the global `process`, as default and named exports.

(function () {
const process = globalThis.process;
const named = {};
for (const name of [
  "argv", "argv0", "env", "exit", "cwd", "chdir", "platform", "arch", "pid",
  "ppid", "version", "versions", "nextTick", "hrtime", "stdout", "stderr",
  "stdin", "memoryUsage", "uptime", "on", "off", "once", "emit",
  "emitWarning", "execPath", "execArgv", "title", "release", "kill",
  "exitCode", "umask", "features", "config",
]) {
  if (name in process) {
    const value = process[name];
    named[name] = typeof value === "function" ? value.bind(process) : value;
  }
}
return { ...named, default: process };
})();
