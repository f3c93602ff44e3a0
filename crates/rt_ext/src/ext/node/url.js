// node:url: WHATWG URL plus Node's helpers (fileURLToPath,
// pathToFileURL) and the legacy `parse`/`format` over WHATWG URL.

import { errors, invalidArgType } from "ext:rt_web/01_errors.js";

function invalidArg(name, value) {
  return invalidArgType(name, "of type string or an instance of URL", value);
}

function fileURLToPath(url) {
  if (typeof url === "string") url = new URL(url);
  else if (!(url instanceof URL)) throw invalidArg("path", url);
  if (url.protocol !== "file:") {
    const err = errors.InvalidUrlScheme("The URL must be of scheme file");
    throw err;
  }
  if (url.hostname !== "") {
    const err = errors.InvalidFileUrlHost(`File URL host must be "localhost" or empty on linux`);
    throw err;
  }
  if (/%2f/i.test(url.pathname)) {
    const err = errors.InvalidFileUrlPath("File URL path must not include encoded / characters");
    throw err;
  }
  return decodeURIComponent(url.pathname);
}

function pathToFileURL(path) {
  if (typeof path !== "string") throw invalidArg("path", path);
  let absolute = path.startsWith("/")
    ? path
    : `${process.cwd()}/${path}`;
  const url = new URL("file:///");
  // `%`, `\`, newlines and tabs would be read as syntax by the URL parser.
  url.pathname = absolute
    .replace(/%/g, "%25")
    .replace(/\\/g, "%5C")
    .replace(/\n/g, "%0A")
    .replace(/\r/g, "%0D")
    .replace(/\t/g, "%09");
  return url;
}

/** Legacy `url.parse`, answered from a WHATWG URL (relative input keeps
 * only its path, query and hash). */
function parse(input, parseQueryString = false) {
  let url;
  let relative = false;
  try {
    url = new URL(input);
  } catch {
    url = new URL(input, "relative:///");
    relative = true;
  }
  const search = url.search;
  const query = parseQueryString
    ? Object.fromEntries(url.searchParams)
    : search.slice(1) || (parseQueryString ? {} : null);
  return {
    protocol: relative ? null : url.protocol,
    slashes: relative ? null : true,
    auth: url.username ? `${url.username}${url.password ? ":" + url.password : ""}` : null,
    host: relative ? null : url.host,
    port: url.port || null,
    hostname: relative ? null : url.hostname,
    hash: url.hash || null,
    search: search || null,
    query,
    pathname: url.pathname,
    path: url.pathname + search,
    href: relative ? `${url.pathname}${search}${url.hash}` : url.href,
  };
}

function format(obj) {
  if (typeof obj === "string") return obj;
  if (obj instanceof URL) return obj.href;
  const protocol = obj.protocol ? (obj.protocol.endsWith(":") ? obj.protocol : obj.protocol + ":") : "";
  const host = obj.host ?? (obj.hostname ? obj.hostname + (obj.port ? ":" + obj.port : "") : "");
  const auth = obj.auth ? obj.auth + "@" : "";
  let search = obj.search ?? "";
  if (!search && obj.query && typeof obj.query === "object") {
    const qs = new URLSearchParams(obj.query).toString();
    if (qs) search = "?" + qs;
  }
  const slashes = obj.slashes || host || protocol === "file:" ? "//" : "";
  return `${protocol}${slashes}${auth}${host}${obj.pathname ?? ""}${search}${obj.hash ?? ""}`;
}

function resolve(from, to) {
  return new URL(to, new URL(from, "resolve:///")).href.replace(/^resolve:\/\/\//, "/");
}

const url = {
  URL: globalThis.URL,
  URLSearchParams: globalThis.URLSearchParams,
  fileURLToPath,
  pathToFileURL,
  parse,
  format,
  resolve,
  domainToASCII: (domain) => new URL(`http://${domain}`).hostname,
  domainToUnicode: (domain) => domain,
};
export default url;
export {
  fileURLToPath,
  pathToFileURL,
  parse,
  format,
  resolve,
};
export const { URL, URLSearchParams, domainToASCII, domainToUnicode } = url;
