// The compression benchmark's server (benches/compression.sh): one text
// body (the file in BODY) from a handler, and as a static route, with
// compression on.
const text = await Bun.file(process.env.BODY).text();
const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: "127.0.0.1",
  compression: true,
  routes: { "/static": new Response(text, { headers: { "content-type": "text/plain;charset=utf-8" } }) },
  fetch: () => new Response(text),
});
console.log(`PORT=${server.port}`);
