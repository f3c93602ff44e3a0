// A chat server: each room is a pub/sub topic, so a message is fanned out
// to the room natively (one call into Rust however many are listening).
//   rt serve examples/chat/server.js      then open http://localhost:3000/
import page from "./index.html" with { type: "text" };

export default {
  port: Number(process.env.PORT ?? 3000),
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
