import { afterEach, describe, expect, test } from "vitest";
import { SqliteStore } from "../../src/db/sqlite/store.ts";
import type { Order, StoreTx, Terminal } from "../../src/db/store.ts";
import { tempDbPath } from "../helpers/server.ts";

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const order = (uid: string, changes: Partial<Order> = {}): Order => ({
  dbname: "shop1",
  multiSessionId: 1,
  uid,
  message: JSON.stringify({ uid }),
  revisionId: 1,
  runId: 1,
  nonce: null,
  state: "draft",
  ...changes,
});

const terminal = (posId: number, changes: Partial<Terminal> = {}): Terminal => ({
  dbname: "shop1",
  posId,
  multiSessionId: 1,
  userId: 2,
  messageId: 1,
  ...changes,
});

const inTx = <T>(work: (tx: StoreTx) => T | Promise<T>) => store!.transaction(async (tx) => work(tx));

describe("orders, multi-sessions and terminals (SQLite store)", () => {
  test("a multi-session starts at run 1, order 0, and keeps what is saved", async () => {
    store = new SqliteStore(tempDbPath());
    expect(await inTx((tx) => tx.getOrCreateMultiSession("shop1", 1))).toEqual({ dbname: "shop1", multiSessionId: 1, runId: 1, orderId: 0 });
    await inTx((tx) => tx.saveMultiSession({ dbname: "shop1", multiSessionId: 1, runId: 3, orderId: 7 }));
    expect(await inTx((tx) => tx.getOrCreateMultiSession("shop1", 1))).toEqual({ dbname: "shop1", multiSessionId: 1, runId: 3, orderId: 7 });
    expect(await store.multiSessionsOf("shop1")).toEqual([{ dbname: "shop1", multiSessionId: 1, runId: 3, orderId: 7 }]);
  });

  test("saving an existing order replaces all but its key, and it keeps its place among the drafts", async () => {
    store = new SqliteStore(tempDbPath());
    await inTx((tx) => {
      tx.saveOrder(order("b"));
      tx.saveOrder(order("a"));
      tx.saveOrder(order("b", { message: '{"uid":"b","qty":2}', revisionId: 2, nonce: "n2" }));
    });
    const [b, missing, drafts] = await inTx(
      async (tx) => [await tx.getOrder("shop1", 1, "b"), await tx.getOrder("shop1", 1, "zz"), await tx.listDraftOrders("shop1", 1, 1)] as const,
    );
    expect(b).toEqual(order("b", { message: '{"uid":"b","qty":2}', revisionId: 2, nonce: "n2" }));
    expect(missing).toBeUndefined();
    expect(drafts.map((row) => row.uid)).toEqual(["b", "a"]);

    await inTx((tx) => {
      tx.saveOrder(order("a", { state: "deleted" }));
      tx.saveOrder(order("c", { runId: 2 }));
      tx.markOlderDraftsUnpaid("shop1", 1, 2);
    });
    expect(await inTx((tx) => tx.getOrder("shop1", 1, "b"))).toMatchObject({ state: "unpaid", revisionId: 2 });
    expect(await inTx((tx) => tx.getOrder("shop1", 1, "a"))).toMatchObject({ state: "deleted" });
    expect(await store.openOrders("shop1", 1)).toEqual([order("c", { runId: 2 })]);
  });

  test("saving a known terminal moves it and rewrites its user and counter; counters go up per multi-session", async () => {
    store = new SqliteStore(tempDbPath());
    await inTx((tx) => {
      tx.saveTerminal(terminal(7));
      tx.saveTerminal(terminal(8));
      tx.saveTerminal(terminal(9, { multiSessionId: 2 }));
      tx.saveTerminal(terminal(7, { userId: 5, messageId: 4 }));
    });
    expect(await inTx((tx) => tx.getTerminal("shop1", 7))).toEqual(terminal(7, { userId: 5, messageId: 4 }));
    expect(await inTx((tx) => tx.getTerminal("shop1", 99))).toBeUndefined();

    await inTx((tx) => tx.insertNotifications([{ dbname: "shop1", multiSessionId: 1, before: "", after: "" }], 1000));
    expect(await inTx((tx) => tx.listTerminals("shop1", 1))).toEqual([terminal(7, { userId: 5, messageId: 5 }), terminal(8, { messageId: 2 })]);

    await inTx((tx) => tx.saveTerminal(terminal(8, { multiSessionId: 2, messageId: 3 })));
    expect(await inTx((tx) => tx.listTerminals("shop1", 2))).toEqual([terminal(8, { multiSessionId: 2, messageId: 3 }), terminal(9, { multiSessionId: 2 })]);
    expect(await store.terminalsOf("shop1")).toHaveLength(3);
  });
});
