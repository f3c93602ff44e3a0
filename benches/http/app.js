// The app every runtime serves in benches/http.sh (Bun-compatible source).
const port = Number(process.env.PORT ?? 3000);
const megabyte = new Uint8Array(1024 * 1024).fill(120);

Bun.serve({
  port,
  hostname: "127.0.0.1",
  routes: {
    "/static": new Response("Hello World!"),
  },
  async fetch(req) {
    const path = req.url.slice(req.url.indexOf("/", 8));
    if (path === "/") return new Response("Hello World!");
    if (path === "/json") return Response.json({ message: "Hello, World!", n: 42 });
    if (path === "/1mb") return new Response(megabyte);
    if (path === "/echo") return new Response(await req.bytes());
    return new Response("not found", { status: 404 });
  },
});
