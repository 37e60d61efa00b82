import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MultiSessionClient } from "../../src/client/index.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { launchChromium, startTerminal } from "./browser.ts";

/**
 * The console in a real Chromium against a real server: two terminals of shop1 and one of
 * shop2 polling over HTTP. Every wait is on a DOM condition; timeouts are generous for a loaded
 * machine, except the one the issue sets (an order shows within a second).
 */
const KEYS = { shop1: "key-of-shop-one", shop2: "key-of-shop-two" };
const ADMIN = "the-admin-key-0123";
const WAIT = { timeout: 15_000 };

let server: TestServer;
let browser: Browser;
let terminals: MultiSessionClient[] = [];

beforeAll(async () => {
  server = await startServer({ keys: KEYS, adminKey: ADMIN, pollTimeout: 1.5, behindAfter: 1 });
  browser = await launchChromium();
  terminals = await Promise.all([
    startTerminal(server.url, "shop1", 1, KEYS.shop1),
    startTerminal(server.url, "shop1", 2, KEYS.shop1),
    startTerminal(server.url, "shop2", 7, KEYS.shop2),
  ]);
}, 60_000);

afterAll(async () => {
  for (const terminal of terminals) terminal.stop();
  await browser?.close();
  await server?.close();
});

/** A fresh browser tab (its own sessionStorage), logged in with `key` through the form. */
async function openConsole(key: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/console`);
  await page.locator("#login").waitFor({ state: "visible", ...WAIT });
  await page.fill("#key", key);
  await page.click("#login button[type=submit]");
  await page.locator("#terminals, #databases").first().waitFor(WAIT);
  return page;
}

const row = (page: Page, posId: number) => page.locator(`#terminals tr[data-pos-id="${posId}"]`);

describe("the console in a browser", () => {
  let admin: Page;
  beforeAll(async () => {
    admin = await openConsole(ADMIN);
  }, 60_000);

  test("the overview counts the terminals and lists both databases; the key is in no URL", async () => {
    await admin.locator("#terminals", { hasText: "3 / 3" }).waitFor(WAIT);
    await admin.locator('#databases tr[data-dbname="shop2"]').waitFor(WAIT);
    expect(await admin.locator("#version").textContent()).toMatch(/\d+\.\d+\.\d+/);
    expect(admin.url()).not.toContain(ADMIN);
  });

  test("the overview lists this node, alive, in the nodes table", async () => {
    await admin.locator('#nodes tr[data-alive="true"]', { hasText: "(this node)" }).waitFor(WAIT);
    expect(await admin.locator("#nodes tr[data-node-id]").count()).toBe(1);
  });

  test("without test features the fault rules panel stays hidden, learnt from /console/api/features: no failing request", async () => {
    const failed: string[] = [];
    admin.on("response", (response) => void (response.status() >= 400 && failed.push(`${response.status()} ${response.url()}`)));
    // A reload aborts the fetches in flight (net::ERR_ABORTED): not a failing request.
    admin.on("requestfailed", (request) => void (request.failure()?.errorText !== "net::ERR_ABORTED" && failed.push(`failed ${request.url()}`)));
    const features = admin.waitForResponse((response) => response.url().endsWith("/console/api/features"), WAIT);
    await admin.reload();
    expect(await (await features).json()).toMatchObject({ faults: false });
    await admin.locator("table#databases").waitFor(WAIT);
    expect(await admin.locator("#faults-panel").isHidden()).toBe(true);
    expect(failed).toEqual([]);
  });

  test("the session view shows both terminals of shop1 online, with user, acknowledged ids and message counter, not behind", async () => {
    await admin.click('#databases a:text("shop1")');
    await admin.click('a:text("Multi-session 1")');
    await row(admin, 1).and(admin.locator('[data-state="online"]')).waitFor(WAIT);
    await row(admin, 2).and(admin.locator('[data-state="online"]')).waitFor(WAIT);
    expect(admin.url()).toMatch(/#\/db\/shop1\/ms\/1$/);
    const cells = await row(admin, 1).locator("td").allTextContents();
    expect(cells[1]).toBe("1"); // user
    expect(cells[5]).toMatch(/^(\d+|–) \/ \d+$/); // delivered / acknowledged ids
    expect(Number(cells[7])).toBeGreaterThanOrEqual(2); // message counter
    expect(await row(admin, 1).getAttribute("data-behind")).toBe("false");
  });

  test("an order created by one terminal appears with its revision within a second, and in the timeline", async () => {
    await admin.goto(`${server.url}/console#/db/shop1/ms/1`);
    await admin.locator("#orders").waitFor(WAIT);
    const uid = `00001-001-${Date.now() % 10_000}`;
    const order = { uid, lines: [[0, 0, { uid: "l1", product_id: 5, qty: 1 }]] };

    const accepted = await terminals[0]!.updateOrder(order);
    expect(accepted).toMatchObject({ status: "accepted", revisionId: 1 });
    const sent = Date.now();
    await admin.locator(`#orders tr[data-uid="${uid}"][data-revision="1"]`).waitFor({ timeout: 1000 });
    const shownAfterMs = Date.now() - sent;
    expect(shownAfterMs).toBeLessThan(1000);

    await terminals[1]!.updateOrder({ ...order, lines: [[0, 0, { uid: "l1", product_id: 5, qty: 2 }]] });
    await admin.locator(`#orders tr[data-uid="${uid}"][data-revision="2"]`).waitFor(WAIT);
    await admin.locator("#timeline li", { hasText: `pos 2 · ${uid} → revision 2` }).waitFor(WAIT);
    expect(await admin.locator(`#orders tr[data-uid="${uid}"] td`).last().textContent()).toBe("2"); // changed by pos 2
  });

  test("a terminal that stops polling turns offline, and behind once an update for it waits longer than POS_SYNC_BEHIND_AFTER", async () => {
    await admin.goto(`${server.url}/console#/db/shop1/ms/1`);
    await row(admin, 2).and(admin.locator('[data-state="online"]')).waitFor(WAIT);
    terminals[1]!.stop();
    await row(admin, 2).and(admin.locator('[data-state="offline"]')).waitFor(WAIT);
    await row(admin, 1).and(admin.locator('[data-state="online"]')).waitFor(WAIT);

    await terminals[0]!.updateOrder({ uid: `00001-001-${Date.now() % 10_000}`, lines: [] });
    await row(admin, 2).and(admin.locator('[data-behind="true"]')).waitFor(WAIT);
    expect(await row(admin, 2).locator(".state.behind").textContent()).toBe("behind");
    expect(await row(admin, 1).getAttribute("data-behind")).toBe("false");
    await admin.goto(`${server.url}/console#/`);
    await admin.locator("#terminals-behind", { hasText: "1" }).waitFor(WAIT);
  });
});

describe("a shop's key in the browser", () => {
  test("opens its own database and cannot see another shop", async () => {
    const page = await openConsole(KEYS.shop1);
    await page.locator('#databases tr[data-dbname="shop1"]').waitFor(WAIT);
    expect(await page.locator("#who").textContent()).toBe("database shop1");
    expect(await page.locator('#databases tr[data-dbname="shop2"]').count()).toBe(0);

    await page.goto(`${server.url}/console#/db/shop2/ms/1`);
    await page.locator("#load-error", { hasText: 'does not open database "shop2"' }).waitFor(WAIT);
    expect(await page.locator("#terminals").count()).toBe(0);
    expect(page.url()).not.toContain(KEYS.shop1);
    await page.context().close();
  });
});
