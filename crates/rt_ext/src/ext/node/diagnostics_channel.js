// node:diagnostics_channel: named channels with subscribers, and tracing
// channels, for the clients that publish to them (ioredis, undici, pg).
// Nothing in rt subscribes; publishing to a channel without subscribers
// costs a check.

const channels = new Map();

class Channel {
  constructor(name) {
    this.name = name;
    this._subscribers = [];
  }
  get hasSubscribers() {
    return this._subscribers.length > 0;
  }
  subscribe(fn) {
    this._subscribers.push(fn);
  }
  unsubscribe(fn) {
    const i = this._subscribers.indexOf(fn);
    if (i === -1) return false;
    this._subscribers.splice(i, 1);
    return true;
  }
  publish(message) {
    for (const fn of [...this._subscribers]) {
      try {
        fn(message, this.name);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
  bindStore() {}
  unbindStore() {}
  runStores(data, fn, thisArg, ...args) {
    this.publish(data);
    return fn.apply(thisArg, args);
  }
}

function channel(name) {
  let c = channels.get(name);
  if (!c) {
    c = new Channel(name);
    channels.set(name, c);
  }
  return c;
}

function hasSubscribers(name) {
  return channels.get(name)?.hasSubscribers ?? false;
}

function subscribe(name, fn) {
  channel(name).subscribe(fn);
}

function unsubscribe(name, fn) {
  return channel(name).unsubscribe(fn);
}

class TracingChannel {
  constructor(name) {
    for (const event of ["start", "end", "asyncStart", "asyncEnd", "error"]) {
      this[event] = typeof name === "string" ? channel(`tracing:${name}:${event}`) : name[event];
    }
  }
  get hasSubscribers() {
    return this.start.hasSubscribers || this.end.hasSubscribers ||
      this.asyncStart.hasSubscribers || this.asyncEnd.hasSubscribers || this.error.hasSubscribers;
  }
  subscribe(handlers) {
    for (const [event, fn] of Object.entries(handlers)) this[event]?.subscribe(fn);
  }
  unsubscribe(handlers) {
    let all = true;
    for (const [event, fn] of Object.entries(handlers)) all = (this[event]?.unsubscribe(fn) ?? false) && all;
    return all;
  }
  traceSync(fn, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return fn.apply(thisArg, args);
    this.start.publish(context);
    try {
      const result = fn.apply(thisArg, args);
      context.result = result;
      return result;
    } catch (error) {
      context.error = error;
      this.error.publish(context);
      throw error;
    } finally {
      this.end.publish(context);
    }
  }
  tracePromise(fn, context = {}, thisArg, ...args) {
    if (!this.hasSubscribers) return fn.apply(thisArg, args);
    this.start.publish(context);
    try {
      return Promise.resolve(fn.apply(thisArg, args)).then(
        (result) => {
          context.result = result;
          this.asyncStart.publish(context);
          this.asyncEnd.publish(context);
          return result;
        },
        (error) => {
          context.error = error;
          this.error.publish(context);
          this.asyncStart.publish(context);
          this.asyncEnd.publish(context);
          throw error;
        },
      );
    } finally {
      this.end.publish(context);
    }
  }
  traceCallback(fn, position = -1, context = {}, thisArg, ...args) {
    return fn.apply(thisArg, args);
  }
}

function tracingChannel(name) {
  return new TracingChannel(name);
}

const dc = { channel, hasSubscribers, subscribe, unsubscribe, tracingChannel, Channel };
export default dc;
// Members whose module-level binding is another value.
const {
  channel: channel$,
  hasSubscribers: hasSubscribers$,
  subscribe: subscribe$,
  unsubscribe: unsubscribe$,
  tracingChannel: tracingChannel$,
  Channel: Channel$,
} = dc;
export {
  channel$ as channel,
  hasSubscribers$ as hasSubscribers,
  subscribe$ as subscribe,
  unsubscribe$ as unsubscribe,
  tracingChannel$ as tracingChannel,
  Channel$ as Channel,
};
