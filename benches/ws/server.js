// The WebSocket server benches/ws.sh loads, unchanged under rt and Bun:
// /echo echoes, /sub subscribes to one topic, /pub publishes what it gets.
const server = Bun.serve({
  port: Number(process.env.PORT ?? 3000),
  hostname: "127.0.0.1",
  fetch(req, server) {
    const path = new URL(req.url).pathname;
    if (server.upgrade(req, { data: path })) return;
    return new Response("upgrade expected", { status: 400 });
  },
  websocket: {
    open(ws) {
      if (ws.data === "/sub") ws.subscribe("room");
    },
    message(ws, message) {
      if (ws.data === "/pub") server.publish("room", message);
      else ws.send(message);
    },
  },
});
console.log(`PORT=${server.port}`);
