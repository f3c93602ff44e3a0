// Drives headless Chromium through examples/chat: two people join a room
// over HTTPS and talk. Run by tests/it/browser_chat.rs with node, from a
// directory where playwright-core is installed; prints one JSON line with
// what each page saw and which protocols the browser used.
//   CHROMIUM=/usr/bin/chromium URL=https://localhost:PORT/ node chat.mjs
import { chromium } from "playwright-core";

const url = process.env.URL;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM,
  // Flags for a quiet, reproducible run: nothing but the page talks.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
  timeout: 30_000,
});
const result = { pages: {} };
try {
  // The certificate is made by the test; the browser is told to accept it.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const open = async (name) => {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    const seen = { document: null, websocket: [] };
    cdp.on("Network.responseReceived", (e) => {
      if (e.type === "Document") seen.document = e.response.protocol;
    });
    // An RFC 8441 WebSocket is answered 200 on its HTTP/2 stream; one over
    // HTTP/1.1 is answered 101.
    cdp.on("Network.webSocketHandshakeResponseReceived", (e) => {
      seen.websocket.push(e.response.status);
    });
    await cdp.send("Network.enable");
    await page.goto(url, { timeout: 15_000 });
    await page.fill("#join input[name=name]", name);
    await page.fill("#join input[name=room]", "r1");
    await page.click("#join button");
    await page.waitForSelector("#say:not([hidden])", { timeout: 15_000 });
    return { page, seen };
  };
  const log = (page) => page.$$eval("#log p", (ps) => ps.map((p) => p.textContent));
  const ann = await open("ann");
  const bob = await open("bob");
  await ann.page.waitForFunction(() => document.getElementById("log").textContent.includes("bob joined"), null, { timeout: 15_000 });
  await bob.page.fill("#say input[name=text]", "hi ann");
  await bob.page.click("#say button");
  await ann.page.waitForFunction(() => document.getElementById("log").textContent.includes("bob: hi ann"), null, { timeout: 15_000 });
  await ann.page.fill("#say input[name=text]", "hello bob");
  await ann.page.click("#say button");
  // The sender sees its own line too (the server echoes it separately).
  for (const p of [ann, bob]) {
    await p.page.waitForFunction(() => document.getElementById("log").textContent.includes("ann: hello bob"), null, { timeout: 15_000 });
  }
  for (const [name, p] of [["ann", ann], ["bob", bob]]) {
    result.pages[name] = { log: await log(p.page), document: p.seen.document, websocket: p.seen.websocket };
  }
} catch (error) {
  result.error = String(error?.stack ?? error);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
