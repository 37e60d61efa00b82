import { afterEach, describe, expect, test } from "vitest";
import { OdooPos, serverSnapshot } from "../helpers/odoo-pos.ts";
import { call } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const line = (uid: string, qty: number) => ({ uid, product_id: 5, qty, price_unit: 2 });

async function storedOrders(url: string) {
  const params = {
    multi_session_id: 1,
    dbname: "shop1",
    user_ID: 99,
    message: { action: "sync_all", data: { pos_id: 99, run_ID: 1 }, immediate_rerendering: true },
  };
  const reply = await call<{ data: { orders: Array<{ action: string; data: Record<string, any> }> } }>(`${url}/pos_multi_session_sync/update`, params);
  return reply.data.orders;
}

describe("a sync_all snapshot converges an unmodified POS", () => {
  test("B misses two updates to line 1 and one to line 2; the gap triggers sync_all and B ends equal to the server", async () => {
    server = await startServer();
    const a = new OdooPos(server.url, 1, { userId: 1 });
    const b = new OdooPos(server.url, 2, { userId: 2 });
    await a.start();
    await b.start();

    await a.sendOrder("o1", [line("l1", 1), line("l2", 1)]);
    await b.pollAndApply();
    expect(b.snapshot()).toEqual(serverSnapshot(await storedOrders(server.url)));

    await a.sendOrder("o1", [line("l1", 2), line("l2", 1)]);
    await a.sendOrder("o1", [line("l1", 3), line("l2", 5)]);
    expect(await b.miss()).toBe(2);

    // The next broadcast only adds line 3: lines 1 and 2 are unchanged in it, so not flagged.
    await a.sendOrder("o1", [line("l1", 3), line("l2", 5), line("l3", 1)]);
    const [next] = await b.pollAndApply();
    expect(next!.data.lines.map(([, , values]: [number, number, Record<string, unknown>]) => values.is_changed)).toEqual([undefined, undefined, undefined]);
    expect(b.syncAllRequests).toBe(1);
    // What the original would leave: lines 1 and 2 stale until the snapshot arrives.
    expect(b.snapshot().o1).toMatchObject({ l1: { qty: 1 }, l2: { qty: 1 }, l3: { qty: 1 } });

    const [snapshot] = await b.pollAndApply();
    expect(snapshot!.action).toBe("sync_all");
    expect(b.snapshot()).toEqual(serverSnapshot(await storedOrders(server.url)));
    expect(b.snapshot().o1).toMatchObject({ l1: { qty: 3 }, l2: { qty: 5 }, l3: { qty: 1 } });
    expect(b.messageId).toBe(snapshot!.data.message_ID);
  });

  test("ordinary broadcasts keep the update's own flags: only lines that changed carry is_changed", async () => {
    server = await startServer();
    const a = new OdooPos(server.url, 1, { userId: 1 });
    const b = new OdooPos(server.url, 2, { userId: 2 });
    await a.start();
    await b.start();
    await a.sendOrder("o1", [line("l1", 1), line("l2", 1)]);
    await a.sendOrder("o1", [line("l1", 4), line("l2", 1)]);
    const messages = await b.pollAndApply();
    expect(messages.map((m) => m.data.lines.map(([, , values]: [number, number, Record<string, unknown>]) => values.is_changed ?? false))).toEqual([
      [false, false],
      [true, false],
    ]);
    expect(b.syncAllRequests).toBe(0);
    expect(b.snapshot()).toEqual(serverSnapshot(await storedOrders(server.url)));
  });
});
