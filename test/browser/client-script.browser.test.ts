import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { launchChromium } from "../console/browser.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

/**
 * /client.js in a real Chromium: two plain pages, each with one script tag importing the
 * client from our server (cross-origin, as a custom POS page is), sync an order between them.
 */
const WAIT = { timeout: 15_000 };
let server: TestServer;
let pages: Server;
let pagesUrl: string;
let browser: Browser;

/** The whole custom POS page: one module script. */
function posPage(syncUrl: string, posId: number): string {
  return `<!doctype html><html><body><ul id="orders"></ul><script type="module">
import { MultiSessionClient } from "${syncUrl}/client.js";
const client = new MultiSessionClient({ baseUrl: "${syncUrl}", dbname: "shop1", multiSessionId: 1, posId: ${posId}, userId: ${posId}, sessionId: ${100 + posId}, loginNumber: 1 });
const show = () => { document.getElementById("orders").innerHTML = [...client.orders.values()].map((o) => "<li>" + o.data.uid + " " + (o.data.note ?? "") + "</li>").join(""); };
client.on("orderUpdated", show);
await client.start();
window.client = client;
window.transport = () => client.bus.transport;
document.body.dataset.ready = "1";
</script></body></html>`;
}

beforeAll(async () => {
  // The server serves dist/client.js: build it if the sources changed (npm test does the same first).
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const built = spawnSync(process.execPath, ["scripts/build-if-stale.mjs"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) throw new Error("build failed");
  server = await startServer();
  pages = createServer((req, res) => {
    const posId = Number(new URL(req.url ?? "/", "http://x").searchParams.get("pos"));
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(posPage(server.url, posId));
  });
  await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
  pagesUrl = `http://127.0.0.1:${(pages.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pages?.close(resolve));
  await server?.close();
});

async function openPos(posId: number): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${pagesUrl}/?pos=${posId}`);
  await page.waitForSelector("body[data-ready='1']", { ...WAIT, state: "attached" }).catch((error: Error) => {
    throw new Error(`${error.message}; page errors: ${errors.join("; ")}`);
  });
  return page;
}

test("/client.js is one ES module without imports", async () => {
  const response = await fetch(`${server.url}/client.js`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/javascript/);
  const script = await response.text();
  expect(script).toMatch(/export\s*\{/);
  expect(script).not.toMatch(/\bimport\s*[{*"']/);
});

test("two plain pages with one script tag each sync an order, over the stream", async () => {
  const [first, second] = [await openPos(1), await openPos(2)];
  await first.evaluate(() =>
    (window as unknown as { client: { updateOrder(o: object): Promise<unknown> } }).client.updateOrder({ uid: "web-1", lines: [], note: "from page 1" }),
  );
  await second.waitForSelector("#orders li:has-text('web-1 from page 1')", WAIT);
  await second.evaluate(() =>
    (window as unknown as { client: { updateOrder(o: object): Promise<unknown> } }).client.updateOrder({ uid: "web-1", lines: [], note: "edited on page 2" }),
  );
  await first.waitForSelector("#orders li:has-text('web-1 edited on page 2')", WAIT);
  for (const page of [first, second]) expect(await page.evaluate(() => (window as unknown as { transport(): string }).transport())).toBe("stream");
});
