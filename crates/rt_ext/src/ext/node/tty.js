// node:tty: isatty for the packages that pick colours with it (debug,
// chalk). rt's streams are not tty.WriteStream instances.

import { op_rt_isatty } from "ext:core/ops";

function isatty(fd) {
  return Number.isInteger(fd) && fd >= 0 && fd <= 2 && op_rt_isatty(fd);
}

class ReadStream {}
class WriteStream {}

const tty = { isatty, ReadStream, WriteStream };
export default tty;
// Members whose module-level binding is another value.
const {
  isatty: isatty$,
  ReadStream: ReadStream$,
  WriteStream: WriteStream$,
} = tty;
export {
  isatty$ as isatty,
  ReadStream$ as ReadStream,
  WriteStream$ as WriteStream,
};
