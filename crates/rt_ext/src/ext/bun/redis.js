// Bun.redis and `new RedisClient(url, options)`: promise methods over the
// Redis ops (redis.rs). Commands share one pipelined RESP3 connection
// that reconnects with backoff; subscriptions use a second one. Loaded on
// first use.

import { core } from "ext:core/mod.js";
import {
  op_redis_batch,
  op_redis_command_buffer,
  op_redis_command_bytes,
  op_redis_connect,
  op_redis_next_message,
  op_redis_open,
  op_redis_stop,
  op_redis_subscription,
} from "ext:core/ops";
import { codes, errors } from "ext:rt_web/01_errors.js";

/** Errors from the server or the connection; `.code` says which. */
class RedisError extends Error {
  constructor(message, options = undefined) {
    super(message, options);
    this.name = "RedisError";
  }
}

/** A RedisError with the code of table row `row`. */
function redisError(row, message) {
  const error = new RedisError(message);
  error.code = codes[row];
  return error;
}
core.registerErrorBuilder("RedisError", (message) => new RedisError(message));

const closedError = () => redisError("RedisConnectionClosed", "Connection closed");

/** Arguments as Redis strings; arrays are spread (hmset(key, [f, v])). */
function flatten(args) {
  let nested = false;
  for (let i = 0; i < args.length; i++) if (Array.isArray(args[i])) nested = true;
  if (!nested) return args;
  const out = [];
  for (const arg of args) {
    if (Array.isArray(arg)) {
      for (const item of arg) out.push(item);
    } else {
      out.push(arg);
    }
  }
  return out;
}

const isBytes = (v) => ArrayBuffer.isView(v) || v instanceof ArrayBuffer;
const bytesOf = (v) =>
  ArrayBuffer.isView(v) ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice() : new Uint8Array(v).slice();

function stringArg(value) {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") return String(value);
  if (isBytes(value)) return new TextDecoder().decode(value);
  if (value instanceof Blob) throw errors.InvalidArgType("Blob arguments are not supported; pass their bytes");
  if (value === undefined || value === null) throw errors.InvalidArgType("Expected a string or a buffer argument, got " + value);
  return String(value);
}

/** A RESP3 map reply as Bun gives it: an object without a prototype. */
function reply(value) {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.assign(Object.create(null), value);
  }
  return value;
}

const kRid = Symbol("rid");
const kUrl = Symbol("url");
const kOptions = Symbol("options");
const kSubs = Symbol("subscriptions");
const kPumping = Symbol("pumping");
const kConnected = Symbol("connected");
const kQueue = Symbol("queue");

const defaultUrl = () => {
  const env = globalThis.process?.env ?? {};
  return env.REDIS_URL || env.VALKEY_URL || "redis://localhost:6379";
};

/** `new RedisClient(url?, options?)`: connects on first command. */
class RedisClient {
  constructor(url = undefined, options = undefined) {
    url ??= defaultUrl();
    if (typeof url !== "string") throw errors.InvalidArgType("url must be a string");
    this[kUrl] = url;
    this[kOptions] = options ?? {};
    const tls = this[kOptions].tls;
    const ca = typeof tls === "object" && tls !== null && tls.ca !== undefined
      ? [tls.ca].flat().map((c) => (typeof c === "string" ? c : new TextDecoder().decode(c))).join("\n")
      : undefined;
    this[kRid] = op_redis_open(url, {
      connectionTimeout: this[kOptions].connectionTimeout,
      maxRetries: this[kOptions].autoReconnect === false ? 0 : this[kOptions].maxRetries,
      ca,
    });
    this[kSubs] = new Map(); // "c:channel" / "p:pattern" -> Set of listeners
    this[kPumping] = false;
    this[kConnected] = false;
    this[kQueue] = null;
    this.onconnect = null;
    this.onclose = null;
  }

  /** Whether the client has a live connection (it connects on first use). */
  get connected() {
    return this[kConnected];
  }

  /** Bytes queued for the server: rt writes each command at once. */
  get bufferedAmount() {
    return 0;
  }

  #rid() {
    const rid = this[kRid];
    if (rid === undefined) throw closedError();
    return rid;
  }

  /**
   * The op's promise with the connection noted on success, and `map`
   * applied: one reaction per command (an async wrapper and a second
   * `.then` cost microseconds each on QuickJS).
   */
  #run(promise, map = undefined) {
    return promise.then((value) => {
      this.#noteConnected();
      return map === undefined ? value : map(value);
    });
  }

  /** After a reply: the client is connected (`onconnect` the first time). */
  #noteConnected() {
    if (!this[kConnected]) {
      this[kConnected] = true;
      this.onconnect?.call(this);
    }
  }

  /** `send(command, args)`: any command, the reply as JS values. */
  send(command, args = []) {
    try {
      if (typeof command !== "string") throw errors.InvalidArgType("command must be a string");
      if (!Array.isArray(args)) throw errors.InvalidArgType("args must be an array");
      const rid = this.#rid();
      const n = args.length;
      const last = n > 0 ? args[n - 1] : undefined;
      const bytes = isBytes(last);
      const list = [command];
      for (let i = 0; i < (bytes ? n - 1 : n); i++) {
        const arg = args[i];
        list.push(typeof arg === "string" ? arg : stringArg(arg));
      }
      if (!bytes) return this.#enqueue(list);
      this.#flushNow();
      return this.#run(op_redis_command_bytes(rid, list, bytesOf(last)), reply);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Queues a command; the commands of one turn go to Rust in one op, which
   * sends them pipelined. Each promise settles with its own reply.
   */
  #enqueue(list) {
    let queue = this[kQueue];
    if (queue === null) {
      queue = this[kQueue] = { commands: [], settle: [] };
      queueMicrotask(() => {
        if (this[kQueue] === queue) this.#flushNow();
      });
    }
    return new Promise((resolve, reject) => {
      queue.commands.push(list);
      queue.settle.push(resolve, reject);
    });
  }

  /** Sends what is queued now (before a command that bypasses the queue, to keep order). */
  #flushNow() {
    const queue = this[kQueue];
    if (queue === null) return;
    this[kQueue] = null;
    const { commands, settle } = queue;
    const failAll = (error) => {
      for (let i = 1; i < settle.length; i += 2) settle[i](error);
    };
    const rid = this[kRid];
    if (rid === undefined) return failAll(closedError());
    op_redis_batch(rid, commands).then((outcomes) => {
      this.#noteConnected();
      for (let i = 0; i < outcomes.length; i++) {
        const outcome = outcomes[i];
        const status = outcome[0];
        if (status === 0) settle[2 * i](reply(outcome[1]));
        else {
          const row = status === 1 ? "RedisServerError" : "RedisConnectionClosed";
          settle[2 * i + 1](redisError(row, outcome[1]));
        }
      }
    }, failAll);
  }

  /** Opens the connection now. */
  connect() {
    try {
      return this.#run(op_redis_connect(this.#rid()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Closes both connections; later commands reject. */
  close() {
    const rid = this[kRid];
    if (rid === undefined) return;
    this[kRid] = undefined;
    this[kSubs].clear();
    const was = this[kConnected];
    this[kConnected] = false;
    try {
      core.close(rid);
    } catch {
      // Already gone.
    }
    if (was) this.onclose?.call(this, closedError());
  }

  /** A new client with the same URL and options (its own connections). */
  duplicate() {
    return Promise.resolve(new RedisClient(this[kUrl], this[kOptions]));
  }

  getBuffer(key) {
    try {
      this.#flushNow();
      return this.#run(
        op_redis_command_buffer(this.#rid(), ["GET", stringArg(key)]),
        (bytes) => (bytes === null ? null : globalThis.Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  exists(...keys) {
    return this.send("EXISTS", flatten(keys)).then((n) => (keys.length === 1 ? n > 0 : n));
  }

  sismember(key, member) {
    return this.send("SISMEMBER", [key, member]).then((n) => n === 1 || n === true);
  }

  hexists(key, field) {
    return this.send("HEXISTS", [key, field]).then((n) => n === 1 || n === true);
  }

  /** Subscribes `listener(message, channel)` to one channel or several. */
  subscribe(channels, listener) {
    return this.#subscribe(channels, listener, false);
  }

  /** Subscribes `listener(message, channel)` to channels matching patterns. */
  psubscribe(patterns, listener) {
    return this.#subscribe(patterns, listener, true);
  }

  unsubscribe(channels = undefined, listener = undefined) {
    return this.#unsubscribe(channels, listener, false);
  }

  punsubscribe(patterns = undefined, listener = undefined) {
    return this.#unsubscribe(patterns, listener, true);
  }

  async #subscribe(names, listener, pattern) {
    if (typeof listener !== "function") throw errors.InvalidArgType("listener must be a function");
    const rid = this.#rid();
    const prefix = pattern ? "p:" : "c:";
    for (const name of [names].flat()) {
      const key = prefix + stringArg(name);
      let set = this[kSubs].get(key);
      if (set === undefined) {
        await this.#run(op_redis_subscription(rid, key.slice(2), pattern, true));
        set = new Set();
        this[kSubs].set(key, set);
      }
      set.add(listener);
    }
    this.#pump(rid);
    return this[kSubs].size;
  }

  async #unsubscribe(names, listener, pattern) {
    const rid = this.#rid();
    const prefix = pattern ? "p:" : "c:";
    const keys = names === undefined
      ? [...this[kSubs].keys()].filter((k) => k.startsWith(prefix))
      : [names].flat().map((n) => prefix + stringArg(n));
    for (const key of keys) {
      const set = this[kSubs].get(key);
      if (set === undefined) continue;
      if (listener !== undefined) set.delete(listener);
      if (listener === undefined || set.size === 0) {
        this[kSubs].delete(key);
        await op_redis_subscription(rid, key.slice(2), pattern, false);
      }
    }
    // The pending read keeps the process alive; end it with the last one.
    if (this[kSubs].size === 0 && this[kPumping]) op_redis_stop(rid);
  }

  async #pump(rid) {
    if (this[kPumping]) return;
    this[kPumping] = true;
    try {
      while (this[kSubs].size > 0 && this[kRid] === rid) {
        const next = await op_redis_next_message(rid);
        if (next === null) break;
        const [channel, message, pattern] = next;
        const set = this[kSubs].get(pattern === "" ? "c:" + channel : "p:" + pattern);
        if (set === undefined) continue;
        for (const listener of set) {
          try {
            listener.call(this, message, channel);
          } catch (error) {
            reportError(error);
          }
        }
      }
    } catch {
      // The client closed while reading.
    } finally {
      this[kPumping] = false;
    }
  }

  get [Symbol.toStringTag]() {
    return "RedisClient";
  }
}

// The named commands: each sends its upper-case name with its arguments
// (arrays spread), as Bun's methods do.
const COMMANDS = (
  "append bitcount bitfield bitop bitpos blmove blmpop blpop brpop brpoplpush " +
  "bzmpop bzpopmax bzpopmin client command config copy dbsize decr decrby del " +
  "dump echo eval evalsha expire expireat expiretime fcall flushall flushdb " +
  "geoadd geodist geohash geopos geosearch geosearchstore get getbit getdel getex " +
  "getrange getset hdel hexpire hexpireat hexpiretime hget hgetall hgetdel " +
  "hgetex hincrby hincrbyfloat hkeys hlen hmget hmset hpersist hpexpire hpexpireat " +
  "hpexpiretime hpttl hrandfield hscan hset hsetex hsetnx hstrlen httl hvals incr " +
  "incrby incrbyfloat info keys lastsave lcs lindex linsert llen lmove lmpop lpop " +
  "lpos lpush lpushx lrange lrem lset ltrim mget mset msetnx object persist " +
  "pexpire pexpireat pexpiretime pfadd pfcount pfmerge ping psetex pttl publish " +
  "pubsub randomkey rename renamenx rpop rpoplpush rpush rpushx sadd scan scard " +
  "script sdiff sdiffstore select set setbit setex setnx setrange sinter " +
  "sintercard sinterstore smembers smismember smove sort spop spublish " +
  "srandmember srem sscan strlen substr sunion sunionstore time touch ttl type " +
  "unlink wait xack xadd xautoclaim xclaim xdel xgroup xinfo xlen xpending " +
  "xrange xread xreadgroup xrevrange xsetid xtrim zadd zcard zcount zdiff " +
  "zdiffstore zincrby zinter zintercard zinterstore zlexcount zmpop zmscore " +
  "zpopmax zpopmin zrandmember zrange zrangebylex zrangebyscore zrangestore zrank " +
  "zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex " +
  "zrevrangebyscore zrevrank zscan zscore zunion zunionstore"
).split(" ");
for (const name of COMMANDS) {
  const command = name.toUpperCase();
  Object.defineProperty(RedisClient.prototype, name, {
    value: {
      [name](...args) {
        return this.send(command, flatten(args));
      },
    }[name],
    writable: true,
    configurable: true,
  });
}

/** Makes `Bun.redis`: a client of REDIS_URL (or redis://localhost:6379),
 * made on first read. */
const redis = () => new RedisClient();

export { redis, RedisClient, RedisError };
