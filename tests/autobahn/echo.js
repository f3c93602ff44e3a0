// The echo server Autobahn|Testsuite's fuzzingclient tests (see run.sh).
const server = Bun.serve({
  port: Number(process.env.PORT ?? 9001),
  hostname: "127.0.0.1",
  fetch(req, server) {
    if (server.upgrade(req)) return;
    return new Response("WebSocket echo server for Autobahn", { status: 400 });
  },
  websocket: {
    perMessageDeflate: true,
    message(ws, message) {
      ws.send(message);
    },
  },
});
console.log(`PORT=${server.port}`);
