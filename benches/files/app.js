// The file benchmark's server (benches/files.sh), for rt and Bun: one large
// file as a route value and as a handler's Response.
const path = process.env.FILE;
const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: "127.0.0.1",
  routes: { "/route": Bun.file(path) },
  fetch: () => new Response(Bun.file(path)),
});
console.log(`PORT=${server.port}`);
