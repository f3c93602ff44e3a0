// A chat server: each room is a pub/sub topic, so a message is fanned out
// to the room natively (one call into Rust however many are listening).
//   rt serve examples/chat/server.js      then open http://localhost:3000/
// With TLS_CERT and TLS_KEY (PEM files) it serves HTTPS, HTTP/2 included, and
// browsers that offer it run the WebSockets over HTTP/2 (RFC 8441).
import page from "./index.html" with { type: "text" };

const { TLS_CERT, TLS_KEY } = process.env;

export default {
  port: Number(process.env.PORT ?? 3000),
  tls: TLS_CERT && TLS_KEY ? { cert: Bun.file(TLS_CERT), key: Bun.file(TLS_KEY) } : undefined,
  routes: {
    // A static route: served from Rust without entering JS.
    "/": new Response(page, { headers: { "content-type": "text/html;charset=utf-8" } }),
  },
  fetch(req, server) {
    const url = new URL(req.url);
    if (url.pathname !== "/chat") return new Response("Not Found", { status: 404 });
    const room = (url.searchParams.get("room") || "lobby").slice(0, 32);
    const name = (url.searchParams.get("name") || "anonymous").slice(0, 32);
    if (server.upgrade(req, { data: { room, name } })) return;
    return new Response("Expected a WebSocket upgrade", { status: 400 });
  },
  websocket: {
    open(ws) {
      const { room, name } = ws.data;
      ws.subscribe(room);
      ws.send(JSON.stringify({ type: "joined", room }));
      ws.publish(room, JSON.stringify({ type: "system", text: `${name} joined` }));
    },
    message(ws, message) {
      const text = String(message).slice(0, 2000);
      // publishToSelf is false: echo to the sender separately.
      const line = JSON.stringify({ type: "message", name: ws.data.name, text });
      ws.publish(ws.data.room, line);
      ws.send(line);
    },
    close(ws) {
      ws.publish(ws.data.room, JSON.stringify({ type: "system", text: `${ws.data.name} left` }));
    },
  },
};
