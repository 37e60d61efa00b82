import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";
import { serverOrder, serverScreen, settle, startedTerminals } from "../helpers/simulated-pos.ts";
import { launchChromium } from "./browser.ts";

/**
 * The operator in Chromium finds what a cashier typed and lost to a conflict, re-applies it, and
 * brings back an order a new run left behind; the terminals (simulated POS, real HTTP) follow.
 * Waits are on DOM conditions, generous for a loaded machine.
 */
const WAIT = { timeout: 15_000 };

let server: TestServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await startServer({ pollTimeout: 1.5 });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test("a refused edit is found on the session page, shown with what was typed and what the server had, and re-applied to every terminal", async () => {
  const [a, b] = await startedTerminals(server.url, [1, 2]);
  await a.newOrder("o1");
  await a.addProduct("o1", 5);
  await settle([a, b]);
  await a.setQuantity("o1", 5, 3);
  await b.addProduct("o1", 7); // typed against revision 1 while the server has 2: refused
  await settle([a, b]);
  expect(b.screen("o1")).toEqual([[5, 3]]);

  await page.goto(`${server.url}/console#/db/shop1/ms/1`);
  const refused = page.locator('#refused-edits tr[data-uid="o1"][data-status="open"]');
  await refused.waitFor(WAIT);
  const cells = await refused.locator("td").allTextContents();
  expect(cells.slice(1, 8)).toEqual(["2", "2", "o1", "revision 1", "revision 2, draft", "product 5 × 1, product 7 × 1", "revision_error"]);
  await page.locator('#orders tr[data-uid="o1"] a', { hasText: "1 open" }).waitFor(WAIT);

  await refused.locator('button[data-action="reapply"]').click();
  await page.locator('#refused-edits tr[data-uid="o1"][data-status="reapplied"]', { hasText: "re-applied as revision 3" }).waitFor(WAIT);
  await page.locator('#orders tr[data-uid="o1"][data-revision="3"]').waitFor(WAIT);
  await page.locator("#action-result", { hasText: "order o1 is at revision 3" }).waitFor(WAIT);

  await settle([a, b]);
  expect(serverScreen(await serverOrder(server.url, "o1"))).toEqual([
    [5, 1],
    [7, 1],
  ]);
  expect(a.screen("o1")).toEqual(b.screen("o1"));
  expect(b.screen("o1")).toEqual([
    [5, 1],
    [7, 1],
  ]);
});

test("an order a new run left open is listed and restored with its button, and shows on the terminals", async () => {
  const [before] = await startedTerminals(server.url, [11], { multiSessionId: 2, runId: 1 });
  await before.editOrder("o-left", [{ uid: "l1", id: 1, product_id: 5, qty: 2 }]);
  const [after] = await startedTerminals(server.url, [12], { multiSessionId: 2, runId: 2 });
  expect(after.orders.has("o-left")).toBe(false);

  await page.goto(`${server.url}/console#/db/shop1/ms/2`);
  const left = page.locator('#ended-orders tr[data-uid="o-left"]', { hasText: "product 5 × 2" });
  await left.waitFor(WAIT);
  await left.locator('button[data-action="restore"]').click();
  await page.locator('#orders tr[data-uid="o-left"][data-revision="2"]').waitFor(WAIT);
  expect(await page.locator('#ended-orders tr[data-uid="o-left"]').count()).toBe(0);

  const restored = await after.receiveOrder("o-left");
  expect(after.screen("o-left")).toEqual([[5, 2]]);
  expect(restored.data.lines).toMatchObject([[0, 0, { uid: "l1", product_id: 5, qty: 2 }]]);
});
