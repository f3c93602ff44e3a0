// The HTTPS benchmark's server for rt and Bun (benches/tls.sh): hello over
// TLS with HTTP/2 offered by ALPN (Bun needs http2: true; rt offers it by
// default and takes the option).
const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: "127.0.0.1",
  http2: true,
  tls: { cert: Bun.file(process.env.TLS_CERT), key: Bun.file(process.env.TLS_KEY) },
  fetch: () => new Response("Hello, World!"),
});
console.log(`PORT=${server.port}`);
