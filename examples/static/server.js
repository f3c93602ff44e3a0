// A static site: files under ./public, sent from Rust (ETag, 304, ranges)
// by returning Bun.file() responses. Paths cannot leave ./public.
//   rt serve examples/static/server.js      then open http://localhost:3000/
import { join, normalize } from "node:path";

const root = join(import.meta.dir, "public");

export default {
  port: Number(process.env.PORT ?? 3000),
  async fetch(req) {
    // The URL parser has already resolved "." and ".." segments (%2e%2e
    // too); decoding can still yield "../" from "..%2f", so normalize the
    // decoded path as an absolute one (it cannot climb above "/") and check.
    let path;
    try {
      path = normalize(`/${decodeURIComponent(new URL(req.url).pathname)}`);
    } catch {
      return new Response("Bad Request", { status: 400 });
    }
    if (path.endsWith("/")) path += "index.html";
    const full = join(root, path);
    if (!full.startsWith(`${root}/`)) return new Response("Forbidden", { status: 403 });
    const file = Bun.file(full);
    // exists() is false for directories: a folder is never sent by accident.
    if (!(await file.exists())) return new Response("Not Found", { status: 404 });
    return new Response(file);
  },
};
