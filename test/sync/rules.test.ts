import { committedIds, highestCommittedId } from "../helpers/committed-ids.ts";
import { afterEach, describe, expect, test } from "vitest";
import { call, channel, rpc } from "../helpers/rpc.ts";
import { adminAndDemo, line, SimulatedPos, syncedTerminals } from "../helpers/simulated-pos.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

async function twoTerminals(overrides = {}) {
  server = await startServer(overrides);
  return adminAndDemo(server.url);
}

const newOrder = (uid: string, extra: Record<string, unknown> = {}) => ({
  uid,
  revision_ID: 1,
  nonce: `${uid}-n1`,
  sequence_number: 1,
  run_ID: 1,
  lines: [[0, 0, line(`${uid}-l1`, 1)]],
  ...extra,
});

/** Order o1 holding these lines, sent with this nonce. */
const o1With = (nonce: string, ...lines: Record<string, unknown>[]) => newOrder("o1", { nonce, lines: lines.map((values) => [0, 0, values]) });

describe("step 1: a new run", () => {
  test("turns draft orders of older runs into unpaid and restarts order numbering", async () => {
    const { admin } = await twoTerminals();
    await admin.send("update_order", newOrder("o1"));
    await admin.send("update_order", newOrder("o2", { sequence_number: 2 }));
    admin.runId = 2;
    const sync = await admin.syncAll();
    expect(sync.data.orders).toEqual([]);
    expect(sync.data.order_ID).toBe(0);
    const reply = await admin.send("update_order", newOrder("o3", { run_ID: 2, sequence_number: 7 }));
    expect(reply).toMatchObject({ action: "update_revision_ID", order_ID: 1, run_ID: 2 });
    // The old orders are unpaid now, not deleted: asked for by uid they still answer.
    expect((await admin.syncAll("o1")).data.orders).toHaveLength(1);
  });

  test("an older or equal run changes nothing", async () => {
    const { admin } = await twoTerminals();
    await admin.send("update_order", newOrder("o1"));
    await admin.send("broadcast_note", { run_ID: 1 });
    expect((await admin.syncAll()).data.orders.map((o: any) => o.data.uid)).toEqual(["o1"]);
  });
});

describe("step 2: update_order", () => {
  test("a new order is stored with revision 1, takes the next sequence number and is broadcast", async () => {
    const { admin, demo } = await twoTerminals();
    const reply = await admin.send("update_order", newOrder("o1", { sequence_number: 5 }));
    expect(reply).toEqual({ action: "update_revision_ID", revision_ID: 1, uid: "o1", order_ID: 1, run_ID: 1 });
    const [message] = await demo.receive(1);
    expect(message).toMatchObject({ action: "update_order", data: { uid: "o1", revision_ID: 1, sequence_number: 1, message_ID: 3 } });
    const second = await demo.send("update_order", newOrder("o2", { sequence_number: 1 }));
    expect(second.order_ID).toBe(2);
  });

  test("an update with the stored revision is applied, the revision goes up and the order is relayed untouched", async () => {
    const { admin, demo } = await twoTerminals();
    await admin.send("update_order", newOrder("o1", { note: "keep me", partner: { id: 4 } }));
    const reply = await admin.send("update_order", newOrder("o1", { nonce: "n2", note: "changed", partner: { id: 4 } }));
    expect(reply).toMatchObject({ action: "update_revision_ID", revision_ID: 2, uid: "o1" });
    const messages = await demo.receive(2);
    expect(messages[1]!.data).toMatchObject({ uid: "o1", revision_ID: 2, note: "changed" });
    const synced = await demo.syncAll();
    expect(synced.data.orders[0].data).toMatchObject({ revision_ID: 2, note: "changed", partner: { id: 4 } });
    expect(synced.data.orders[0].data.nonce).toBe("n2");
  });

  test("a stale revision gets revision_error with the state, and changes and sends nothing", async () => {
    const { admin, demo } = await twoTerminals();
    await admin.send("update_order", newOrder("o1"));
    await admin.send("update_order", newOrder("o1", { nonce: "n2" }));
    const before = await committedIds(server.store);
    const reply = await demo.send("update_order", newOrder("o1", { nonce: "other", lines: [] }));
    expect(reply).toEqual({ action: "revision_error", order_uid: "o1", state: "draft" });
    expect(await committedIds(server.store)).toBe(before);
    expect((await demo.syncAll("o1")).data.orders[0].data.revision_ID).toBe(2);
  });

  test("an unknown order with a revision other than 1 gets revision_error with state false", async () => {
    const { admin } = await twoTerminals();
    expect(await admin.send("update_order", newOrder("o9", { revision_ID: 3 }))).toEqual({ action: "revision_error", order_uid: "o9", state: false });
  });

  test("a retry with the nonce already applied changes nothing, sends nothing and answers action ''", async () => {
    const { admin } = await twoTerminals();
    await admin.send("update_order", newOrder("o1"));
    await admin.send("update_order", newOrder("o1", { nonce: "n2", note: "applied once" }));
    const before = await committedIds(server.store);
    expect(await admin.send("update_order", newOrder("o1", { nonce: "n2", note: "applied once" }))).toEqual({ action: "" });
    expect(await committedIds(server.store)).toBe(before);
    expect((await admin.syncAll("o1")).data.orders[0].data.revision_ID).toBe(2);
  });

  test("a retried creation (same nonce, revision 1, its reply lost) changes nothing and sends nothing", async () => {
    const { admin, demo } = await twoTerminals();
    expect(await admin.send("update_order", newOrder("o1"))).toMatchObject({ action: "update_revision_ID", revision_ID: 1 });
    const before = await committedIds(server.store);
    expect(await admin.send("update_order", newOrder("o1"))).toEqual({ action: "" });
    expect(await committedIds(server.store)).toBe(before);
    expect((await demo.syncAll("o1")).data.orders[0].data.revision_ID).toBe(1);
  });

  test("a deleted order refuses updates with revision_error, state deleted", async () => {
    const { admin } = await twoTerminals();
    await admin.send("update_order", newOrder("o1"));
    await admin.send("remove_order", { uid: "o1", revision_ID: 1, finalized: true });
    expect(await admin.send("update_order", newOrder("o1", { revision_ID: 1, nonce: "x" }))).toEqual({
      action: "revision_error",
      order_uid: "o1",
      state: "deleted",
    });
  });

  test("lines that changed are marked is_changed; id and is_changed alone do not count as a change", async () => {
    const { admin, demo } = await twoTerminals();
    await admin.send("update_order", o1With("o1-n1", line("a", 1), line("b", 1), line("c", 1)));
    await demo.send("update_order", o1With("n2", line("a", 2), line("b", 1, { id: 99, is_changed: false }), line("c", 1, { note: "x" }), line("d", 1)));
    const [, broadcast] = await admin.receive(2);
    const lines = broadcast!.data.lines.map((l: any) => [l[2].uid, l[2].is_changed ?? null]);
    expect(lines).toEqual([
      ["a", true],
      ["b", false],
      ["c", true],
      ["d", null],
    ]);
  });

  test("a sync_all snapshot marks every line is_changed, so a POS that missed updates re-applies them all", async () => {
    const { admin, demo } = await twoTerminals();
    await admin.send("update_order", o1With("o1-n1", line("a", 1), line("b", 1)));
    await admin.send("update_order", o1With("n2", line("a", 2), line("b", 1)));
    const lines = (await demo.syncAll()).data.orders[0].data.lines.map((l: any) => [l[2].uid, l[2].qty, l[2].is_changed]);
    expect(lines).toEqual([
      ["a", 2, true],
      ["b", 1, true],
    ]);
  });
});

describe("step 3: sync_all", () => {
  test("registers the terminal, bumps its counter and returns the current run's draft orders stamped", async () => {
    server = await startServer();
    const admin = new SimulatedPos(server.url, { posId: 1 });
    const first = await admin.syncAll();
    expect(first).toEqual({
      action: "sync_all",
      data: { orders: [], message_ID: 2, order_ID: 0, uid: null, login_number: 1, session_id: admin.sessionId },
    });
    await admin.send("update_order", newOrder("o1"));
    await admin.send("update_order", newOrder("o2", { sequence_number: 2 }));
    await admin.send("remove_order", { uid: "o2", revision_ID: 1 });
    const second = await admin.syncAll();
    expect(second.data.message_ID).toBe(6);
    expect(second.data.order_ID).toBe(2);
    expect(second.data.orders).toHaveLength(1);
    expect(second.data.orders[0].data).toMatchObject({ uid: "o1", message_ID: 6, revision_ID: 1, run_ID: 1 });
  });

  test("with a uid returns that one order only", async () => {
    const { admin } = await twoTerminals();
    await admin.send("update_order", newOrder("o1"));
    await admin.send("update_order", newOrder("o2", { sequence_number: 2 }));
    const reply = await admin.syncAll("o2");
    expect(reply.data.uid).toBe("o2");
    expect(reply.data.orders.map((o: any) => o.data.uid)).toEqual(["o2"]);
  });

  test("without immediate_rerendering returns {} and sends the reply to every terminal of the same user, each with its own counter", async () => {
    server = await startServer();
    const [admin, adminToo, demo] = await syncedTerminals(server.url, [
      { posId: 1, userId: 1 },
      { posId: 2, userId: 1 },
      { posId: 3, userId: 2 },
    ]);
    await demo.send("update_order", newOrder("o1"));
    expect(await admin.send("sync_all", { pos_id: 1, run_ID: 1 })).toEqual({});
    const [forAdmin] = (await admin.receive(2)).slice(1);
    const [forAdminToo] = (await adminToo.receive(2)).slice(1);
    expect(forAdmin).toMatchObject({ action: "sync_all", data: { message_ID: 4 } });
    expect(forAdmin!.data.orders.map((o: any) => o.data.uid)).toEqual(["o1"]);
    expect(forAdminToo).toMatchObject({ action: "sync_all", data: { message_ID: 3 } });
    expect(await demo.catchUp()).toHaveLength(1); // only o1's broadcast, no sync_all copy
  });

  test("a terminal moved to another multi-session is moved, not duplicated", async () => {
    server = await startServer();
    const [a, , b] = await syncedTerminals(server.url, [
      { posId: 1, multiSessionId: 1 },
      { posId: 2, multiSessionId: 1 }, // the one that moves to session 2
      { posId: 3, multiSessionId: 2 },
    ]);
    const movedThere = new SimulatedPos(server.url, { posId: 2, multiSessionId: 2 });
    expect((await movedThere.syncAll()).data.message_ID).toBe(3);
    await a.send("note", { text: "for session 1" });
    await b.send("note", { text: "for session 2" });
    const received = (await movedThere.catchUp()).map((m) => m.data.text);
    expect(received).toEqual(["for session 2"]);
  });
});

describe("step 4: remove_order", () => {
  test("marks the order deleted, broadcasts the message and returns order_ID", async () => {
    const { admin, demo } = await twoTerminals();
    await admin.send("update_order", newOrder("o1"));
    expect(await admin.send("remove_order", { uid: "o1", revision_ID: 1, finalized: true })).toEqual({ order_ID: 1 });
    const messages = await demo.receive(2);
    expect(messages[1]).toMatchObject({ action: "remove_order", data: { uid: "o1", message_ID: 4 } });
    expect((await demo.syncAll()).data.orders).toEqual([]);
  });

  test("a stale revision gets revision_error and the order stays", async () => {
    const { admin } = await twoTerminals();
    await admin.send("update_order", newOrder("o1"));
    await admin.send("update_order", newOrder("o1", { nonce: "n2" }));
    expect(await admin.send("remove_order", { uid: "o1", revision_ID: 1 })).toMatchObject({ action: "revision_error", order_uid: "o1" });
    expect((await admin.syncAll()).data.orders).toHaveLength(1);
  });

  test("removing an order already deleted skips the revision check", async () => {
    const { admin } = await twoTerminals();
    await admin.send("update_order", newOrder("o1"));
    await admin.send("remove_order", { uid: "o1", revision_ID: 1 });
    expect(await admin.send("remove_order", { uid: "o1", revision_ID: 7 })).toEqual({ order_ID: 1 });
  });

  test("an order paid offline arrives with order_data: stored as a new order, then deleted", async () => {
    const { admin, demo } = await twoTerminals();
    await admin.send("update_order", newOrder("o1"));
    const orderData = JSON.stringify({ id: "offline-1", data: { uid: "offline-1", sequence_number: 9, lines: [[0, 0, line("x", 3)]], amount_total: 12 } });
    expect(await demo.send("remove_order", { uid: "offline-1", revision_ID: 1, finalized: true, order_data: orderData })).toEqual({ order_ID: 2 });
    const stored = (await admin.syncAll("offline-1")).data.orders;
    expect(stored).toHaveLength(1);
    expect(stored[0].data).toMatchObject({ uid: "offline-1", sequence_number: 2, amount_total: 12, nonce: "paid offline" });
    expect((await admin.syncAll()).data.orders.map((o: any) => o.data.uid)).toEqual(["o1"]);
  });

  test("order_data that is not JSON is a validation error and writes nothing", async () => {
    const { admin } = await twoTerminals();
    const before = await committedIds(server.store);
    const reply = await rpc(`${server.url}/pos_multi_session_sync/update`, {
      multi_session_id: 1,
      dbname: "shop1",
      user_ID: 1,
      message: { action: "remove_order", data: { uid: "z", revision_ID: 1, order_data: "{oops" } },
    });
    expect(reply.body.error?.data?.message).toContain("message.data.order_data");
    expect(reply.body.error?.data?.name).toBe("odoo.exceptions.ValidationError");
    expect(await committedIds(server.store)).toBe(before);
    expect((await admin.syncAll()).data.order_ID).toBe(0);
  });
});

describe("step 5 and broadcast", () => {
  test("any other action is broadcast as is to every terminal, the sender included, and returns 1", async () => {
    const { admin, demo } = await twoTerminals();
    expect(await admin.send("custom_action", { anything: [1, { deep: true }] }, { extra_top: "kept" })).toBe(1);
    for (const terminal of [admin, demo]) {
      const [message] = await terminal.receive(1);
      expect(message).toEqual({
        action: "custom_action",
        data: { anything: [1, { deep: true }], message_ID: 3 },
        session_id: admin.sessionId,
        login_number: 1,
        extra_top: "kept",
      });
    }
  });

  test("Fix: each terminal gets its own copy stamped with its own counter", async () => {
    server = await startServer();
    const a = new SimulatedPos(server.url, { posId: 1 });
    const b = new SimulatedPos(server.url, { posId: 2 });
    await a.syncAll();
    await a.syncAll();
    await a.syncAll(); // a's counter is 4, b's will be 2
    await b.syncAll();
    await a.send("note", { n: 1 });
    expect((await a.receive(1))[0]!.data.message_ID).toBe(5);
    expect((await b.receive(1))[0]!.data.message_ID).toBe(3);
  });

  test("a message without data is broadcast with data holding its message_ID", async () => {
    const { admin, demo } = await twoTerminals();
    await call(`${server.url}/pos_multi_session_sync/update`, { multi_session_id: 1, dbname: "shop1", user_ID: 1, message: { action: "ping_all" } });
    expect((await demo.receive(1))[0]).toEqual({ action: "ping_all", data: { message_ID: 3 } });
    expect(admin.posId).toBe(1);
  });
});

describe("Fix: everything is scoped by database name", () => {
  test("two databases with the same multi-session id, terminal ids and order uids never see each other", async () => {
    server = await startServer();
    const shop1 = await syncedTerminals(server.url, [
      { dbname: "shop1", posId: 1 },
      { dbname: "shop1", posId: 2 },
    ]);
    const shop2 = await syncedTerminals(server.url, [
      { dbname: "shop2", posId: 1 },
      { dbname: "shop2", posId: 2 },
    ]);
    await shop1[0].send("update_order", newOrder("same-uid", { shop: 1 }));
    expect(await shop2[0].send("update_order", newOrder("same-uid", { shop: 2 }))).toMatchObject({ revision_ID: 1, order_ID: 1 });
    expect((await shop1[1].syncAll()).data.orders.map((o: any) => o.data.shop)).toEqual([1]);
    expect((await shop2[1].syncAll()).data.orders.map((o: any) => o.data.shop)).toEqual([2]);
    expect((await shop1[1].catchUp()).map((m) => m.data.shop)).toEqual([1]);
    expect((await shop2[1].catchUp()).map((m) => m.data.shop)).toEqual([2]);
    expect(channel("shop1", "pos.multi_session", 1)).not.toBe(channel("shop2", "pos.multi_session", 1));
  });
});

describe("test-only features are off by default", () => {
  test("test GC answers that the feature is disabled and deletes nothing", async () => {
    const { admin } = await twoTerminals();
    await admin.send("note", {});
    const reply = await rpc(`${server.url}/pos_multi_session/test/gc`, {});
    expect(reply.body.error?.data?.message).toContain("disabled");
    expect(await highestCommittedId(server.store)).toBeGreaterThan(0);
    expect(await admin.catchUp()).toHaveLength(1);
  });

  test("test GC with test features on deletes every notification so far and returns their ids", async () => {
    const { admin } = await twoTerminals({ testFeatures: true });
    await admin.send("note", {});
    await admin.send("note", {});
    const deleted = await call<number[]>(`${server.url}/pos_multi_session/test/gc`, {});
    expect(deleted).toEqual([0, 1, 2, 3].map((i) => deleted[0]! + i));
    expect(await admin.catchUp()).toEqual([]);
    await admin.send("note", {});
    expect((await admin.catchUp()).length).toBe(1);
    expect(await server.store.lastCommittedId("shop1")).toBe(deleted[0]! + 5);
  });
});
