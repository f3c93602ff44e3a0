// bun:test: describe/test/it with their modifiers and `.each`, the four
// hooks, and the runner `rt test` drives in each file's runtime. Results
// print as Bun prints them (to stderr) and go to the parent `rt test` as
// one JSON line per test (op_test_report).

import { core } from "ext:core/mod.js";
import { op_test_config, op_test_report } from "ext:core/ops";
import { expect, counters, checkAssertions } from "ext:rt_test/expect.js";
import * as mocks from "ext:rt_test/mock.js";
import { show } from "ext:rt_bun/format.js";
import { formatError } from "ext:rt_test/report.js";
import { errors } from "ext:rt_web/01_errors.js";

const print = (text) => core.print(text + "\n", true);

// --- the tree ---------------------------------------------------------------

class Suite {
  constructor(name, parent, flags) {
    this.name = name;
    this.parent = parent;
    this.flags = flags;
    this.children = [];
    this.beforeAll = [];
    this.afterAll = [];
    this.beforeEach = [];
    this.afterEach = [];
  }
  get path() {
    return this.parent ? [...this.parent.path, this.name] : [];
  }
}

const root = new Suite("", null, {});
let current = root;
/** Set once the runner has started: registration then is an error. */
let running = false;
let hasOnly = false;

function inherit(parentFlags, flags) {
  return {
    skip: parentFlags.skip || flags.skip,
    todo: parentFlags.todo || flags.todo,
    only: parentFlags.only || flags.only,
    concurrent: flags.serial ? false : flags.concurrent || parentFlags.concurrent,
    failing: flags.failing,
  };
}

function testOptions(options) {
  if (typeof options === "number") return { timeout: options };
  if (options && typeof options === "object") return options;
  return {};
}

function addTest(flags, name, fn, options) {
  if (typeof name === "function") {
    options = fn;
    fn = name;
    name = fn.name || "test";
  }
  if (running) {
    throw new Error(`Cannot call test() inside a test. Call it outside of the test function instead.`);
  }
  if (fn !== undefined && typeof fn !== "function") {
    const err = errors.InvalidArgType(`test() expects second argument to be a function`);
    throw err;
  }
  const merged = inherit(current.flags, flags);
  if (fn === undefined) merged.todo = true;
  if (merged.only) hasOnly = true;
  current.children.push({
    kind: "test",
    name: String(name),
    fn,
    parent: current,
    flags: merged,
    options: testOptions(options),
    args: flags.args,
  });
}

function addSuite(flags, name, fn) {
  if (typeof name === "function") {
    fn = name;
    name = fn.name || "describe";
  }
  const suite = new Suite(String(name), current, inherit(current.flags, flags));
  if (suite.flags.only) hasOnly = true;
  current.children.push(suite);
  if (typeof fn !== "function") {
    suite.flags.todo = true;
    return;
  }
  const previous = current;
  current = suite;
  try {
    const out = fn(...(flags.args ?? []));
    if (out && typeof out.then === "function") {
      out.catch((error) => {
        suite.error = error;
      });
    }
  } catch (error) {
    suite.error = error;
  } finally {
    current = previous;
  }
}

// --- .each and the printf-style names ---------------------------------------

function formatName(template, args, index) {
  let i = 0;
  let name = String(template).replace(/%([sdifjopc#%])/g, (match, c) => {
    if (c === "%") return "%";
    if (c === "#") return String(index);
    if (i >= args.length) return match;
    const v = args[i++];
    switch (c) {
      case "s":
        return typeof v === "string" ? v : show(v);
      case "d":
      case "f":
        return String(Number(v));
      case "i":
        return String(typeof v === "bigint" ? v : Math.trunc(Number(v)));
      case "j":
        return JSON.stringify(v);
      case "c":
        return "";
      default:
        return show(v);
    }
  });
  const row = args.length === 1 ? args[0] : undefined;
  if (row !== null && typeof row === "object" && !Array.isArray(row)) {
    name = name.replace(/\$([A-Za-z_$][\w$]*(?:\.[\w$]+)*)/g, (match, path) => {
      let v = row;
      for (const key of path.split(".")) {
        if (v === null || v === undefined || !(key in Object(v))) return match;
        v = v[key];
      }
      return typeof v === "string" ? v : show(v);
    });
  }
  return name;
}

function each(register, flags) {
  return (table) => {
    if (!Array.isArray(table)) throw new TypeError("each() expects an array");
    return (template, fn, options) => {
      table.forEach((row, index) => {
        const args = Array.isArray(row) ? row : [row];
        const name = formatName(template, args, index);
        register({ ...flags, args }, name, fn && wrapEach(fn, args), options);
      });
    };
  };
}

/** An `.each` body gets the row spread; a `done` callback comes after it. */
function wrapEach(fn, args) {
  const wrapped = fn.length > args.length
    ? function (done) {
      return fn.call(this, ...args, done);
    }
    : function () {
      return fn.call(this, ...args);
    };
  Object.defineProperty(wrapped, "length", { value: fn.length > args.length ? 1 : 0 });
  return wrapped;
}

// --- the public functions with their modifiers ------------------------------

function makeTest(flags) {
  const fn = (name, body, options) => addTest(flags, name, body, options);
  return decorate(fn, flags, addTest, makeTest);
}

function makeDescribe(flags) {
  const fn = (name, body) => addSuite(flags, name, body);
  return decorate(fn, flags, (f, name, body) => addSuite(f, name, body && ((...a) => body(...a))), makeDescribe);
}

function decorate(fn, flags, register, make) {
  const modifier = (extra) => () => make({ ...flags, ...extra });
  Object.defineProperties(fn, {
    skip: { get: modifier({ skip: true }) },
    todo: { get: modifier({ todo: true }) },
    only: { get: modifier({ only: true }) },
    concurrent: { get: modifier({ concurrent: true }) },
    serial: { get: modifier({ serial: true }) },
    failing: { get: modifier({ failing: true }) },
  });
  fn.if = (condition) => make({ ...flags, skip: flags.skip || !condition });
  fn.skipIf = (condition) => make({ ...flags, skip: flags.skip || !!condition });
  fn.todoIf = (condition) => make({ ...flags, todo: flags.todo || !!condition });
  fn.failingIf = (condition) => make({ ...flags, failing: flags.failing || !!condition });
  fn.each = each((f, name, body, options) => register(f, name, body, options), flags);
  return fn;
}

const test = makeTest({});
const describe = makeDescribe({});

function hook(kind) {
  return (fn, options) => {
    if (typeof fn !== "function") {
      throw new TypeError(`${kind}() expects a function as the first argument`);
    }
    current[kind].push({ fn, timeout: testOptions(options).timeout });
  };
}

// --- running ----------------------------------------------------------------

const totals = { pass: 0, fail: 0, skip: 0, todo: 0, filtered: 0, expectCalls: 0 };
let config;
/** `-t`, compiled once. */
let namePattern = null;
let bailed = false;
/** The test running now, for errors nobody awaited (unhandled rejections). */
let active = null;

function report(entry) {
  op_test_report(JSON.stringify(entry));
}

function fullName(item) {
  return [...item.parent.path, item.name].join(" > ");
}

/** Runs `fn` (which may take `done` or return a promise) with a timeout. */
function invoke(fn, timeout, thisArg) {
  return new Promise((resolve, reject) => {
    let timer;
    if (timeout > 0 && timeout < Infinity) {
      timer = setTimeout(() => {
        const err = new Error(`this test timed out after ${timeout}ms.`);
        err.timedOut = true;
        reject(err);
      }, timeout);
    }
    const settle = (error) => {
      clearTimeout(timer);
      if (error !== undefined) reject(error);
      else resolve();
    };
    try {
      if (fn.length > 0) {
        let called = false;
        const done = (error) => {
          if (called) return;
          called = true;
          settle(error === undefined || error === null ? undefined : error);
        };
        const out = fn.call(thisArg, done);
        if (out && typeof out.then === "function") out.then(undefined, (e) => settle(e ?? new Error("rejected")));
      } else {
        const out = fn.call(thisArg);
        if (out && typeof out.then === "function") {
          out.then(() => settle(), (e) => settle(e ?? new Error(`promise rejected with ${show(e)}`)));
        } else settle();
      }
    } catch (error) {
      settle(error ?? new Error(`thrown: ${show(error)}`));
    }
  });
}

function eachHooks(suite, kind) {
  const chain = [];
  for (let s = suite; s; s = s.parent) chain.unshift(s);
  const hooks = chain.flatMap((s) => s[kind]);
  return kind === "afterEach" ? hooks.reverse() : hooks;
}

function selected(item) {
  if (hasOnly && !item.flags.only) return false;
  if (namePattern !== null && !namePattern.test([...item.parent.path, item.name].join(" "))) {
    return false;
  }
  return true;
}

function countRunnable(suite) {
  let n = 0;
  for (const child of suite.children) {
    if (child instanceof Suite) n += countRunnable(child);
    else if (selected(child) && !child.flags.skip && !(child.flags.todo && !config.todo)) n++;
  }
  return n;
}

/** Runs the beforeEach hooks, the test and the afterEach hooks; the first
 * error wins (a failed beforeEach skips the test, afterEach still runs). */
async function execute(item, preError = undefined) {
  const timeout = item.options.timeout ?? config.timeout;
  const started = performance.now();
  let error = preError;
  if (error === undefined) {
    for (const h of eachHooks(item.parent, "beforeEach")) {
      try {
        await invoke(h.fn, h.timeout ?? timeout);
      } catch (e) {
        error = e;
        break;
      }
    }
  }
  if (error === undefined) {
    try {
      await invoke(item.fn, timeout);
    } catch (e) {
      error = e;
    }
  }
  for (const h of eachHooks(item.parent, "afterEach")) {
    try {
      await invoke(h.fn, h.timeout ?? timeout);
    } catch (e) {
      error ??= e;
    }
  }
  return { error, ms: performance.now() - started };
}

/** Prints and reports a test's outcome; `.todo` and `.failing` turn it round. */
function settle(item, error, ms) {
  const timing = ms >= 0.005 ? ` [${ms.toFixed(2)}ms]` : "";
  let status;
  let note = "";
  if (item.flags.todo) {
    if (error === undefined) {
      status = "fail";
      note = "  ^ this test is marked as todo but passes. Remove `.todo` if tested behavior now works";
    } else {
      status = "todo";
      error = undefined;
    }
  } else if (item.flags.failing) {
    if (error === undefined) {
      status = "fail";
      note = "  ^ this test is marked as failing but it passed. Remove `.failing` if tested behavior now works";
    } else {
      status = "pass";
      error = undefined;
    }
  } else {
    status = error === undefined ? "pass" : "fail";
  }
  let message;
  if (error !== undefined) {
    if (error?.timedOut) {
      note = `  ^ ${error.message}`;
      message = error.message;
    } else {
      message = formatError(error);
      print(message);
    }
  }
  print(`(${status}) ${fullName(item)}${timing}`);
  if (note) print(note);
  totals[status]++;
  report({
    path: [...item.parent.path, item.name],
    status,
    ms,
    message: message ?? (note ? note.trim() : undefined),
  });
  if (status === "fail" && config.bail > 0 && totals.fail >= config.bail) bailed = true;
}

async function runTest(item, preError) {
  counters.calls = 0;
  counters.expected = null;
  counters.hasAssertions = false;
  active = { errors: [] };
  let { error, ms } = await execute(item, preError);
  if (error === undefined && active.errors.length) error = active.errors[0];
  active = null;
  totals.expectCalls += counters.calls;
  const assertionError = checkAssertions();
  if (error === undefined && assertionError) error = assertionError;
  settle(item, error, ms);
}

function reportStatic(item, status) {
  print(`(${status}) ${fullName(item)}`);
  totals[status]++;
  report({ path: [...item.parent.path, item.name], status, ms: 0 });
}

async function runHooks(hooks, fallbackTimeout) {
  for (const h of hooks) {
    await invoke(h.fn, h.timeout ?? fallbackTimeout);
  }
}

async function runSuite(suite) {
  if (suite.error !== undefined) {
    print(formatError(suite.error));
    print(`(fail) ${suite.path.join(" > ")}`);
    totals.fail++;
    report({ path: suite.path, status: "fail", ms: 0, message: formatError(suite.error) });
    return;
  }
  const runnable = countRunnable(suite);
  let hookError;
  if (runnable > 0 && suite.beforeAll.length) {
    try {
      await runHooks(suite.beforeAll, config.timeout);
    } catch (e) {
      hookError = e;
    }
  }
  const children = suite.children;
  for (let i = 0; i < children.length && !bailed; i++) {
    const child = children[i];
    if (child instanceof Suite) {
      await runSuite(child);
      continue;
    }
    if (!selected(child)) {
      // Bun counts what -t left out; tests .only left out go unmentioned.
      if (!hasOnly || child.flags.only) totals.filtered++;
      continue;
    }
    if (child.flags.skip) {
      reportStatic(child, "skip");
      continue;
    }
    if (child.flags.todo && (!config.todo || child.fn === undefined)) {
      reportStatic(child, "todo");
      continue;
    }
    if (child.flags.concurrent && hookError === undefined) {
      // A run of consecutive concurrent tests goes together (at most 20 at
      // once, as Bun's default --max-concurrency), reported in order.
      const batch = [child];
      while (i + 1 < children.length && !(children[i + 1] instanceof Suite) &&
        children[i + 1].flags.concurrent && selected(children[i + 1]) &&
        !children[i + 1].flags.skip && !children[i + 1].flags.todo) {
        batch.push(children[++i]);
      }
      await runConcurrent(batch);
      continue;
    }
    for (let r = 0; r < config.rerunEach && !bailed; r++) await runTest(child, hookError);
  }
  if (runnable > 0 && suite.afterAll.length) {
    try {
      await runHooks(suite.afterAll, config.timeout);
    } catch (e) {
      print(formatError(e));
      print(`(fail) ${[...suite.path, "afterAll"].join(" > ")}`);
      totals.fail++;
      report({ path: [...suite.path, "afterAll"], status: "fail", ms: 0, message: formatError(e) });
    }
  }
}

async function runConcurrent(batch) {
  // Concurrent tests share the expect counters, so each is reported
  // without its own assertion count check.
  for (let start = 0; start < batch.length; start += 20) {
    const slice = batch.slice(start, start + 20);
    const outcomes = await Promise.all(slice.map((item) => execute(item)));
    slice.forEach((item, i) => settle(item, outcomes[i].error, outcomes[i].ms));
  }
  totals.expectCalls += counters.calls;
  counters.calls = 0;
}

/**
 * Imports the test file (registering its tests), runs them, and returns
 * the totals. Called by `rt test-run`'s entry module.
 */
async function run(url) {
  config = op_test_config();
  if (pendingTimeout !== undefined) config.timeout = pendingTimeout;
  if (config.namePattern) {
    try {
      namePattern = new RegExp(config.namePattern);
    } catch (error) {
      print(`error: -t/--test-name-pattern is not a valid regular expression: ${error.message}`);
      totals.fail++;
      report({ path: ["(invalid --test-name-pattern)"], status: "fail", ms: 0, message: error.message });
      return finish();
    }
  }
  if (config.only) hasOnly = true;
  core.setUnhandledPromiseRejectionHandler((_promise, reason) => {
    if (active) {
      active.errors.push(reason);
      return true;
    }
    print(`# Unhandled error between tests\n-------------------------------\n${formatError(reason)}\n-------------------------------`);
    totals.fail++;
    report({ path: ["(unhandled error between tests)"], status: "fail", ms: 0, message: formatError(reason) });
    return true;
  });
  try {
    await import(url);
  } catch (error) {
    print(`# Unhandled error between tests\n-------------------------------\n${formatError(error)}\n-------------------------------`);
    totals.fail++;
    report({ path: ["(file failed to load)"], status: "fail", ms: 0, message: formatError(error) });
    return finish();
  }
  running = true;
  await runSuite(root);
  mocks.restoreAllMocks();
  return finish();
}

function finish() {
  report({ status: "summary", expectCalls: totals.expectCalls, filtered: totals.filtered });
  return totals;
}

const setDefaultTimeout = (ms) => {
  if (config) config.timeout = ms;
  else pendingTimeout = ms;
};
let pendingTimeout;

const jest = {
  fn: mocks.mock,
  spyOn: mocks.spyOn,
  restoreAllMocks: mocks.restoreAllMocks,
  clearAllMocks: mocks.clearAllMocks,
  resetAllMocks: mocks.resetAllMocks,
  setTimeout: setDefaultTimeout,
  isMockFunction: mocks.isMock,
  useFakeTimers() {
    throw new Error("jest.useFakeTimers() is not supported by rt test");
  },
  useRealTimers() {},
};

const api = {
  describe,
  test,
  it: test,
  xtest: test.skip,
  xit: test.skip,
  xdescribe: describe.skip,
  expect,
  beforeAll: hook("beforeAll"),
  afterAll: hook("afterAll"),
  beforeEach: hook("beforeEach"),
  afterEach: hook("afterEach"),
  mock: mocks.mock,
  spyOn: mocks.spyOn,
  jest,
  vi: jest,
  setDefaultTimeout,
  setSystemTime() {
    throw new Error("setSystemTime() is not supported by rt test");
  },
  expectTypeOf: () => new Proxy(() => {}, { get: (t, k) => (k === "then" ? undefined : t), apply: (t) => t }),
  onTestFinished() {
    throw new Error("onTestFinished() is not supported by rt test");
  },
};
// `rt test-run` reaches the runner through the module, under a symbol key
// that a namespace import does not expose.
Object.defineProperty(api, Symbol.for("rt.test.run"), { value: run });
Object.defineProperty(api, "default", { value: api, enumerable: true });
export default api;
export {
  describe,
  expect,
  jest,
  setDefaultTimeout,
  test,
};
export const {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  expectTypeOf,
  it,
  mock,
  onTestFinished,
  setSystemTime,
  spyOn,
  vi,
  xdescribe,
  xit,
  xtest,
} = api;
