// `rt serve examples/serve.js` — a Bun-style app: the default export is served.
export default {
  port: 3000,
  routes: {
    // Buffered at start-up and answered in Rust, with an ETag.
    "/": new Response("Hello from rt!\n"),
    "/users/:id": (req) => Response.json({ id: req.params.id }),
    "/api/echo": {
      POST: async (req) => new Response(await req.text()),
    },
  },
  fetch(req) {
    return new Response(`No route for ${new URL(req.url).pathname}\n`, { status: 404 });
  },
  error(error) {
    return new Response(`Something went wrong: ${error.message}\n`, { status: 500 });
  },
};
