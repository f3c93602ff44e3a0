// node:tty — isatty for the packages that pick colours with it (debug,
// chalk). rt's streams are not tty.WriteStream instances.

(function () {
const { core } = __bootstrap;

function isatty(fd) {
  return Number.isInteger(fd) && fd >= 0 && fd <= 2 && core.ops.op_rt_isatty(fd);
}

class ReadStream {}
class WriteStream {}

const tty = { isatty, ReadStream, WriteStream };
return { ...tty, default: tty };
})();
