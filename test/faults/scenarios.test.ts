import { afterEach, describe, expect, test } from "vitest";
import { LongpollBus, type MultiSessionClient } from "../../src/client/index.ts";
import { fastBackoff, openTerminal, until } from "../client/helpers.ts";
import { faultsApi } from "../helpers/faults.ts";
import { adminAndDemo, line, serverRevisions } from "../helpers/simulated-pos.ts";
import { bothEditOneOrder } from "../helpers/races.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

/**
 * The original add-on's race scenarios, reproduced with fault rules only: no request header,
 * terminals that speak plain JSON-RPC like an unmodified POS in an ordinary browser.
 */
let server: TestServer;
const stoppers: Array<() => void> = [];
afterEach(async () => {
  for (const stop of stoppers.splice(0)) stop();
  await server?.close();
});

const UPDATE = "/pos_multi_session_sync/update";
const POLL = "/longpolling/poll";

async function shop(overrides = {}) {
  server = await startServer({ testFeatures: true, ...overrides });
  return faultsApi(server.url);
}

function revisionsOf(client: MultiSessionClient): Record<string, number> {
  return Object.fromEntries([...client.orders.values()].map((order) => [order.uid, order.revisionId]).sort());
}

async function terminal(posId: number): Promise<MultiSessionClient> {
  const client = await openTerminal({ baseUrl: server.url, posId, userId: posId });
  stoppers.push(() => client.stop());
  return client;
}

describe("race scenarios with fault rules", () => {
  test("both update the same order at once while admin is slowed by a rule: admin wins, demo re-syncs, both converge", async () => {
    const faults = await shop();
    const { admin, demo } = await adminAndDemo(server.url);
    await admin.editOrder("o1", [line("l1", 1)]);
    await demo.receive(1);

    await faults.addOk({ match: { dbname: "shop1", pos_id: 1, route: UPDATE, action: "update_order" }, effect: { type: "delay_reply", ms: 1000 } });
    await bothEditOneOrder(server, admin, demo);
    expect((await faults.list()).body.rules).toMatchObject([{ fired: 1 }]);
  });

  test("admin's reply is dropped after the commit; its retry with the same nonce is applied once, without a duplicate or a revision error", async () => {
    const faults = await shop();
    const admin = await terminal(1);
    const demo = await terminal(2);
    const broadcasts: number[] = [];
    demo.on("orderUpdated", ({ order, source }) => source === "broadcast" && broadcasts.push(order.revisionId));
    const conflicts: unknown[] = [];
    admin.on("conflict", (conflict) => conflicts.push(conflict));
    const order = { uid: "00001-001-0001", lines: [[0, 0, line("l1", 1)]] };
    expect(await admin.updateOrder(order)).toMatchObject({ status: "accepted", revisionId: 1 });
    await until("demo to see the new order", () => demo.getOrder(order.uid)?.revisionId === 1, [demo]);

    await faults.addOk({ match: { dbname: "shop1", pos_id: 1, route: UPDATE, action: "update_order" }, effect: { type: "drop_reply" }, count: 1 });
    const edited = { ...order, lines: [[0, 0, line("l1", 2)]] };
    expect(await admin.updateOrder(edited)).toEqual({ status: "duplicate", uid: order.uid });
    await until("admin to hold revision 2", () => admin.getOrder(order.uid)?.revisionId === 2, [admin]);
    await until("demo to hold revision 2", () => demo.getOrder(order.uid)?.revisionId === 2, [demo]);

    expect((await faults.list()).body.rules).toMatchObject([{ fired: 1 }]);
    expect(conflicts).toEqual([]);
    expect(broadcasts.filter((revision) => revision === 2)).toHaveLength(1);
    expect(await serverRevisions(server.url)).toEqual({ [order.uid]: 2 });
    expect(demo.getOrder(order.uid)!.data.lines).toEqual([[0, 0, { ...line("l1", 2), is_changed: true }]]);
  });

  test("demo is offline for a window, queues two updates meanwhile, flushes them when back, and everyone converges", async () => {
    const faults = await shop();
    const admin = await terminal(1);
    const demo = await terminal(2);
    expect(await admin.updateOrder({ uid: "o1", lines: [[0, 0, line("l1", 1)]] })).toMatchObject({ status: "accepted" });
    await until("demo to see o1", () => demo.getOrder("o1")?.revisionId === 1, [demo]);

    const states: string[] = [];
    demo.on("connection", (state) => states.push(state));
    // The window is closed by deleting the rule, so a loaded machine cannot end it before the checks.
    const offline = await faults.addOk({ match: { dbname: "shop1", pos_id: 2 }, effect: { type: "offline" } });
    const first = demo.updateOrder({
      uid: "o1",
      lines: [
        [0, 0, line("l1", 1)],
        [0, 0, line("l2", 1)],
      ],
    });
    const second = demo.updateOrder({ uid: "o2", lines: [[0, 0, line("m1", 4)]] });
    await until("demo to notice it is offline", () => states.includes("offline"), [demo]);
    expect(demo.pending).toBeGreaterThanOrEqual(2);
    expect(await admin.updateOrder({ uid: "o3", lines: [[0, 0, line("n1", 1)]] })).toMatchObject({ status: "accepted" });
    await waitFor(async () => (await faults.list()).body.rules[0].fired >= 2, "demo's requests to be refused, its retries too");
    expect(await faults.remove(offline)).toMatchObject({ status: 200 });

    expect(await first).toMatchObject({ status: "accepted", revisionId: 2 });
    expect(await second).toMatchObject({ status: "accepted", revisionId: 1 });
    await demo.flush();
    const expected = { o1: 2, o2: 1, o3: 1 };
    await until("admin to converge", () => JSON.stringify(revisionsOf(admin)) === JSON.stringify(expected), [admin]);
    await until("demo to converge", () => JSON.stringify(revisionsOf(demo)) === JSON.stringify(expected), [demo]);
    expect(await serverRevisions(server.url)).toEqual(expected);
    expect(admin.getOrder("o1")!.data.lines).toEqual(demo.getOrder("o1")!.data.lines);
    await until("demo to be back online", () => demo.connection === "online", [demo]);
  });

  test("demo's poll hangs; the client abandons it, polls again and loses no notification", async () => {
    const faults = await shop({ pollTimeout: 0.5 });
    const { admin } = await adminAndDemo(server.url); // demo (pos 2) registered too: its bus below polls
    // The fault rule hangs a poll: fault rules act on the JSON-RPC routes, not on the stream.
    const bus = new LongpollBus({ baseUrl: server.url, dbname: "shop1", posId: 2, backoff: fastBackoff, pollRequestTimeoutMs: 1000, transport: "poll" });
    const received: Array<{ action: string; data: { uid?: string; message_ID: number } }> = [];
    bus.addChannelCallback("pos.multi_session", (message) => received.push(message as (typeof received)[number]));
    const errors: unknown[] = [];
    bus.on("error", (error) => errors.push(error));
    bus.start();
    stoppers.push(() => bus.stop());
    await admin.editOrder("o0", [line("l1", 1)]);
    await until("demo's bus to deliver the first order", () => received.length === 1, [bus]);

    await faults.addOk({ match: { dbname: "shop1", pos_id: 2, route: POLL }, effect: { type: "hang" }, count: 1 });
    await waitFor(async () => (await faults.list()).body.rules[0].fired === 1, "demo's next poll to hang");
    await admin.editOrder("o1", [line("l1", 1)]);
    await until("demo's bus to deliver the second order", () => received.length === 2, [bus]);
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(String(errors[0])).toContain("no answer");
    const [firstId, secondId] = received.map((message) => message.data.message_ID);
    expect(received).toMatchObject([{ data: { uid: "o0" } }, { action: "update_order", data: { uid: "o1" } }]);
    expect(secondId).toBe(firstId! + 1);
    expect((await faults.list()).body.rules).toMatchObject([{ fired: 1, active: false }]);
  });
});
