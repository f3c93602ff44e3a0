// The HTTPS benchmark's server for Deno (benches/tls.sh): the same hello;
// Deno.serve offers h2 and http/1.1 by ALPN on TLS.
Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 3000),
  hostname: "127.0.0.1",
  cert: Deno.readTextFileSync(Deno.env.get("TLS_CERT")),
  key: Deno.readTextFileSync(Deno.env.get("TLS_KEY")),
  onListen: ({ port }) => console.log(`PORT=${port}`),
}, () => new Response("Hello, World!"));
