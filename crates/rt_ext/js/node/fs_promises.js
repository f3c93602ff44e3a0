// node:fs/promises — `fs.promises`.

(function () {
const { core } = __bootstrap;
const { promises } = core.loadExtScript("ext:rt/node/fs.js");
return { ...promises, default: promises };
})();
