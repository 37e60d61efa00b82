/**
 * Takes the console screenshots of the README (docs/console.png, docs/console-overview.png):
 * `npm run console:screenshot`. A real server on a temporary database, terminals polling over
 * HTTP with some orders, a conflict and a stopped terminal, and Debian's Chromium.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { SimulatedPos } from "../helpers/simulated-pos.ts";
import { call } from "../helpers/rpc.ts";
import { startServer } from "../helpers/server.ts";
import { launchChromium, startTerminal } from "./browser.ts";

const ADMIN = "the-admin-key-0123";
const KEYS = { shop1: "key-of-shop-one", shop2: "key-of-shop-two" };
const dir = mkdtempSync(join(tmpdir(), "pos-sync-screenshot-"));
const server = await startServer(
  { pollTimeout: 4, keys: KEYS, adminKey: ADMIN },
  { dbPath: join(dir, "pos-sync.sqlite"), monitor: { historyIntervalMs: 1000 } },
);
const shop1 = `${server.url}/k/${KEYS.shop1}`;
try {
  const [bar, kitchen, terrace] = await Promise.all([1, 2, 3].map((posId) => startTerminal(server.url, "shop1", posId, KEYS.shop1)));
  await startTerminal(server.url, "shop2", 7, KEYS.shop2);
  // Terminal 4 polls its order channel but not pos.longpolling: its PING stays unanswered.
  const tablet = new SimulatedPos(shop1, { posId: 4, userId: 4 });
  await tablet.syncAll();
  const stopTablet = tablet.listen();

  terrace!.stop(); // stopped: offline after a poll timeout
  const traffic = (async () => {
    for (let i = 1; i <= 60; i++) {
      const uid = `00042-00${1 + (i % 3)}-00${10 + (i % 6)}`;
      const by = i % 2 ? bar! : kitchen!;
      const lines = Array.from({ length: 1 + (i % 4) }, (_, n) => [0, 0, { uid: `${uid}-l${n}`, product_id: 10 + n, qty: 1 + ((i + n) % 3) }]);
      await by.updateOrder({ uid, lines });
      if (i === 56)
        await call(`${shop1}/pos_multi_session_sync/update`, {
          multi_session_id: 1,
          dbname: "shop1",
          user_ID: 2,
          message: { action: "update_order", data: { uid, revision_ID: 1, nonce: "stale", pos_id: 2, lines: [] } },
        });
      await delay(250 + (i % 5) * 150);
    }
  })();

  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 }, deviceScaleFactor: 1 });
  await page.goto(`${server.url}/console`);
  await page.fill("#key", ADMIN);
  await page.click("#login button[type=submit]");
  await page.locator("#chart svg").waitFor({ timeout: 15_000 });
  await delay(12_000); // a dozen points on the chart, taken while the orders flow
  await page.screenshot({ path: "docs/console-overview.png" });
  await traffic;
  await call(`${shop1}/pos_longpolling/update`, { message: "PING", pos_id: 4, db_name: "shop1" });
  await page.goto(`${server.url}/console#/db/shop1/ms/1`);
  await page.locator('#terminals tr[data-pos-id="3"][data-state="offline"]').waitFor({ timeout: 15_000 });
  await page.locator('#terminals tr[data-pos-id="4"][data-state="waiting"]').waitFor({ timeout: 15_000 });
  await page.screenshot({ path: "docs/console.png" });
  await browser.close();
  await stopTablet();
  for (const terminal of [bar, kitchen]) terminal!.stop();
} finally {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log("wrote docs/console.png and docs/console-overview.png");
