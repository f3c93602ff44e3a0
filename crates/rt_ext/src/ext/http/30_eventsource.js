// EventSource (https://html.spec.whatwg.org/multipage/server-sent-events.html)
// on rt's own fetch: the stream is parsed as it arrives, events are
// dispatched by name, and a dropped connection is re-established after the
// reconnection time (`retry:`) with `Last-Event-ID`. A runtime has no
// origin to protect, so there is no CORS check.

import { trusted, webScript } from "ext:rt_web/00_web.js";
import { fetch } from "ext:rt_http/29_fetch.js";

const { defineEventHandler, Event, EventTarget, MessageEvent } = webScript("02_event");
const { DOMException } = webScript("01_dom_exception");
const { URL } = webScript("00_url");
const { TextDecoder } = webScript("08_text_encoding");
const { AbortController } = webScript("03_abort_signal");

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;
/** The reconnection time before a `retry:` field sets one (ms). */
const DEFAULT_RETRY = 3000;

const kState = Symbol("ready state");
const kUrl = Symbol("url");
const kCredentials = Symbol("with credentials");
const kRetry = Symbol("reconnection time");
const kLastId = Symbol("last event id");
const kAbort = Symbol("abort controller");
const kTimer = Symbol("reconnect timer");

/** https://html.spec.whatwg.org/multipage/server-sent-events.html#the-eventsource-interface */
export class EventSource extends EventTarget {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSED = CLOSED;

  constructor(url, init = undefined) {
    super();
    if (url === undefined) throw new TypeError("EventSource: a URL is required");
    // 3-5. Parse url against the base URL (a page's location, if any).
    let parsed;
    try {
      parsed = new URL(`${url}`, globalThis.location?.href);
    } catch {
      throw new DOMException(`EventSource: invalid URL ${url}`, "SyntaxError");
    }
    this[kUrl] = parsed.href;
    this[kCredentials] = !!init?.withCredentials;
    this[kState] = CONNECTING;
    this[kRetry] = DEFAULT_RETRY;
    this[kLastId] = "";
    this[kAbort] = null;
    this[kTimer] = null;
    connect(this);
  }

  get url() {
    return this[kUrl];
  }
  get withCredentials() {
    return this[kCredentials];
  }
  get readyState() {
    return this[kState];
  }

  /** Stops the connection for good: no more events, no reconnection. */
  close() {
    this[kState] = CLOSED;
    if (this[kTimer] !== null) clearTimeout(this[kTimer]);
    this[kTimer] = null;
    this[kAbort]?.abort();
    this[kAbort] = null;
  }
}

for (const [name, value] of [["CONNECTING", CONNECTING], ["OPEN", OPEN], ["CLOSED", CLOSED]]) {
  Object.defineProperty(EventSource.prototype, name, { value, enumerable: true });
}
for (const name of ["open", "message", "error"]) defineEventHandler(EventSource.prototype, name);

/** Fetches the stream and feeds the parser until it ends or fails. */
async function connect(source) {
  const controller = new AbortController();
  source[kAbort] = controller;
  const headers = { accept: "text/event-stream", "cache-control": "no-store" };
  if (source[kLastId] !== "") headers["last-event-id"] = source[kLastId];
  let response;
  try {
    response = await fetch(source[kUrl], { headers, signal: controller.signal, redirect: "follow" });
  } catch {
    if (source[kState] !== CLOSED) reestablish(source);
    return;
  }
  if (source[kState] === CLOSED) return;
  // "Fail the connection" for anything but a 200 event stream (204 included).
  const type = response.headers.get("content-type") ?? "";
  if (response.status !== 200 || type.split(";")[0].trim().toLowerCase() !== "text/event-stream") {
    response.body?.cancel().catch(() => {});
    fail(source);
    return;
  }
  // Announce the connection.
  source[kState] = OPEN;
  source.dispatchEvent(trusted(new Event("open")));
  const parser = new Parser(source, new URL(response.url || source[kUrl]).origin);
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      if (source[kState] === CLOSED) return;
      parser.feed(decoder.decode(chunk, { stream: true }));
    }
  } catch {
    // A network error mid-stream: reconnect, as when the stream ends.
  }
  if (source[kState] !== CLOSED) reestablish(source);
}

/** https://html.spec.whatwg.org/multipage/server-sent-events.html#fail-the-connection */
function fail(source) {
  source[kState] = CLOSED;
  source[kAbort] = null;
  source.dispatchEvent(trusted(new Event("error")));
}

/** https://html.spec.whatwg.org/multipage/server-sent-events.html#reestablish-the-connection */
function reestablish(source) {
  source[kState] = CONNECTING;
  source[kAbort] = null;
  source.dispatchEvent(trusted(new Event("error")));
  if (source[kState] !== CONNECTING) return; // the error handler closed it
  source[kTimer] = setTimeout(() => {
    source[kTimer] = null;
    if (source[kState] === CONNECTING) connect(source);
  }, source[kRetry]);
}

/** The event stream interpretation: lines, fields and dispatch. */
class Parser {
  #source;
  #origin;
  #buffer = "";
  #data = "";
  #type = "";
  #id = null;
  #first = true;

  constructor(source, origin) {
    this.#source = source;
    this.#origin = origin;
  }

  feed(text) {
    // A UTF-8 BOM at the very start of the stream is dropped.
    if (this.#first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#first = false;
    }
    this.#buffer += text;
    // Lines end with CRLF, LF or CR; a CR at the end may be half a CRLF.
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const c = this.#buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      if (c === 13 && i + 1 === this.#buffer.length) break;
      this.#line(this.#buffer.slice(start, i));
      if (c === 13 && this.#buffer.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.#buffer = this.#buffer.slice(start);
  }

  #line(line) {
    if (line === "") return this.#dispatch();
    if (line[0] === ":") return; // a comment
    const colon = line.indexOf(":");
    let field = line;
    let value = "";
    if (colon !== -1) {
      field = line.slice(0, colon);
      value = line.slice(colon + 1);
      if (value[0] === " ") value = value.slice(1);
    }
    switch (field) {
      case "event":
        this.#type = value;
        break;
      case "data":
        this.#data += `${value}\n`;
        break;
      case "id":
        if (!value.includes("\0")) this.#id = value;
        break;
      case "retry":
        if (/^[0-9]+$/.test(value)) this.#source[kRetry] = Number(value);
        break;
      default:
        break; // ignored
    }
  }

  #dispatch() {
    // The last event ID buffer sticks even when no event is dispatched.
    if (this.#id !== null) {
      this.#source[kLastId] = this.#id;
      this.#id = null;
    }
    if (this.#data === "") {
      this.#type = "";
      return;
    }
    const data = this.#data.endsWith("\n") ? this.#data.slice(0, -1) : this.#data;
    const type = this.#type === "" ? "message" : this.#type;
    this.#data = "";
    this.#type = "";
    if (this.#source[kState] === CLOSED) return;
    this.#source.dispatchEvent(trusted(new MessageEvent(type, {
      data,
      origin: this.#origin,
      lastEventId: this.#source[kLastId],
    })));
  }
}
