import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { MultiSessionClient } from "../../src/client/index.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { launchChromium, startTerminal } from "./browser.ts";

/**
 * The console's fault rules panel in a real Chromium against a server with test features on.
 * Every wait is on a DOM condition.
 */
const KEYS = { shop1: "key-of-shop-one" };
const ADMIN = "the-admin-key-0123";
const WAIT = { timeout: 15_000 };

let server: TestServer;
let browser: Browser;
let terminal: MultiSessionClient;

beforeAll(async () => {
  server = await startServer({ keys: KEYS, adminKey: ADMIN, pollTimeout: 1.5, testFeatures: true });
  browser = await launchChromium();
  terminal = await startTerminal(server.url, "shop1", 1, KEYS.shop1);
}, 60_000);

afterAll(async () => {
  terminal?.stop();
  await browser?.close();
  await server?.close();
});

async function openConsole(key: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  await page.goto(`${server.url}/console`);
  await page.locator("#login").waitFor({ state: "visible", ...WAIT });
  await page.fill("#key", key);
  await page.click("#login button[type=submit]");
  await page.locator("table#databases").waitFor(WAIT);
  expect(violations).toEqual([]);
  return page;
}

describe("the fault rules panel", () => {
  test("the admin adds a delay_reply rule for a terminal, sees it fire on that terminal's request, and deletes it", async () => {
    const page = await openConsole(ADMIN);
    await page.locator("#faults-panel").waitFor({ state: "visible", ...WAIT });
    await page.locator("#fault-rules", { hasText: "No fault rule." }).waitFor(WAIT);

    // A bad field is refused with the server's field error, and nothing is added.
    await page.fill('#fault-form [name="dbname"]', "shop1");
    await page.fill('#fault-form [name="pos_id"]', "one");
    await page.click('#fault-form button[type="submit"]');
    await page.locator("#fault-error", { hasText: "match.pos_id:" }).waitFor(WAIT);
    expect(await page.locator("#fault-rules tr[data-rule-id]").count()).toBe(0);

    await page.fill('#fault-form [name="pos_id"]', "1");
    await page.selectOption('#fault-form [name="route"]', "/pos_multi_session_sync/update");
    await page.selectOption('#fault-form [name="type"]', "delay_reply");
    await page.fill('#fault-form [name="ms"]', "50");
    await page.click('#fault-form button[type="submit"]');
    const rule = page.locator("#fault-rules tr[data-rule-id]");
    await rule.and(page.locator('[data-fired="0"]')).waitFor(WAIT);
    expect(await page.locator("#fault-error").textContent()).toBe("");
    expect(await rule.textContent()).toContain("delay_reply 50 ms");

    const accepted = await terminal.updateOrder({ uid: "00001-001-0001", lines: [[0, 0, { uid: "l1", product_id: 5, qty: 1 }]] });
    expect(accepted).toMatchObject({ status: "accepted" });
    await rule.and(page.locator('[data-fired="1"]')).waitFor(WAIT);

    await rule.locator("button[data-delete]").click();
    await page.locator("#fault-rules", { hasText: "No fault rule." }).waitFor(WAIT);
    expect(
      ((await (await fetch(`${server.url}/pos_sync/faults`, { headers: { Authorization: `Bearer ${ADMIN}` } })).json()) as { rules: unknown[] }).rules,
    ).toEqual([]);

    // Delete all.
    await page.selectOption('#fault-form [name="type"]', "drop_reply");
    await page.fill('#fault-form [name="ms"]', "");
    await page.fill('#fault-form [name="pos_id"]', "99");
    await page.click('#fault-form button[type="submit"]');
    await rule.waitFor(WAIT);
    await page.click("#fault-clear");
    await page.locator("#fault-rules", { hasText: "No fault rule." }).waitFor(WAIT);
    await page.context().close();
  });

  test("a shop's key does not show the panel", async () => {
    // The panel is decided by GET /console/api/features; a shop is never sent to the fault routes.
    const page = await (await browser.newContext()).newPage();
    const asked: string[] = [];
    page.on("request", (request) => void asked.push(new URL(request.url()).pathname));
    await page.goto(`${server.url}/console`);
    await page.locator("#login").waitFor({ state: "visible", ...WAIT });
    await page.fill("#key", KEYS.shop1);
    const features = page.waitForResponse((response) => response.url().endsWith("/console/api/features") && response.status() === 200, WAIT);
    await page.click("#login button[type=submit]");
    expect(await (await features).json()).toMatchObject({ faults: false });
    await page.locator('#databases tr[data-dbname="shop1"]').waitFor(WAIT);
    expect(await page.locator("#faults-panel").isHidden()).toBe(true);
    expect(asked.filter((path) => path.startsWith("/pos_sync/faults"))).toEqual([]);
    await page.context().close();
  });
});
