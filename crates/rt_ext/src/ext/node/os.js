// node:os: facts about the machine, from one op on first use.

import { op_node_os_info } from "ext:core/ops";

let info;
const os = () => (info ??= op_node_os_info());

const ARCH = { x86_64: "x64", aarch64: "arm64", i686: "ia32", armv7l: "arm" };

const osModule = {
  EOL: "\n",
  devNull: "/dev/null",
  platform: () => "linux",
  type: () => "Linux",
  arch: () => ARCH[os().machine] ?? os().machine,
  machine: () => os().machine,
  release: () => os().release,
  version: () => os().version,
  hostname: () => os().hostname,
  homedir: () => process.env.HOME ?? "/",
  tmpdir: () => {
    const dir = process.env.TMPDIR || process.env.TMP || process.env.TEMP || "/tmp";
    return dir.length > 1 && dir.endsWith("/") ? dir.slice(0, -1) : dir;
  },
  endianness: () => "LE",
  cpus: () =>
    Array.from({ length: os().cpus }, () => ({
      model: os().cpuModel,
      speed: 0,
      times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 },
    })),
  availableParallelism: () => os().cpus,
  totalmem: () => os().totalMemory,
  freemem: () => op_node_os_info().freeMemory,
  uptime: () => op_node_os_info().uptime,
  loadavg: () => op_node_os_info().loadavg,
  networkInterfaces: () => ({}),
  userInfo: () => ({
    username: process.env.USER ?? process.env.LOGNAME ?? "",
    uid: -1,
    gid: -1,
    shell: process.env.SHELL ?? null,
    homedir: process.env.HOME ?? "/",
  }),
  constants: { signals: {}, errno: {}, priority: {} },
};
export default osModule;
export const {
  EOL,
  devNull,
  platform,
  type,
  arch,
  machine,
  release,
  version,
  hostname,
  homedir,
  tmpdir,
  endianness,
  cpus,
  availableParallelism,
  totalmem,
  freemem,
  uptime,
  loadavg,
  networkInterfaces,
  userInfo,
  constants,
} = osModule;
