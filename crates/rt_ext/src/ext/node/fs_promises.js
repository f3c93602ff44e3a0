// node:fs/promises: `fs.promises`.

import { promises } from "node:fs";

export default promises;
export const {
  readFile,
  writeFile,
  appendFile,
  stat,
  lstat,
  readdir,
  mkdir,
  mkdtemp,
  rm,
  unlink,
  rmdir,
  access,
  constants,
} = promises;
