// node:process: the global `process`, as default and named exports.

const process = globalThis.process;
/** A member as a named export: methods bound to `process`. */
const member = (name) => {
  const value = process[name];
  return typeof value === "function" ? value.bind(process) : value;
};

export default process;
export const argv = member("argv");
export const argv0 = member("argv0");
export const env = member("env");
export const exit = member("exit");
export const cwd = member("cwd");
export const platform = member("platform");
export const arch = member("arch");
export const pid = member("pid");
export const ppid = member("ppid");
export const version = member("version");
export const versions = member("versions");
export const nextTick = member("nextTick");
export const hrtime = member("hrtime");
export const stdout = member("stdout");
export const stderr = member("stderr");
export const memoryUsage = member("memoryUsage");
export const uptime = member("uptime");
export const execPath = member("execPath");
export const release = member("release");
export const exitCode = member("exitCode");
