import { afterEach, describe, expect, test } from "vitest";
import { call } from "../helpers/rpc.ts";
import { adminAndDemo, line, serverRevisions } from "../helpers/simulated-pos.ts";
import { bothEditOneOrder } from "../helpers/races.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

/** The original add-on's browser scenarios, played by two terminals "admin" and "demo". */
let server: TestServer;
afterEach(async () => {
  await server?.close();
});

const SLOW = { phantomtest: "slowConnection" };

async function adminAndDemoOnAServer(overrides = {}) {
  server = await startServer({ testFeatures: true, ...overrides });
  return adminAndDemo(server.url);
}

const gc = () => call<number[]>(`${server.url}/pos_multi_session/test/gc`, {});

describe("admin and demo share a session", () => {
  test("a new order reaches the other terminal", async () => {
    const { admin, demo } = await adminAndDemoOnAServer();
    await admin.editOrder("o1", [line("l1", 1)]);
    const [message] = await demo.receive(1);
    expect(message).toMatchObject({ action: "update_order", data: { uid: "o1", message_ID: 3 } });
    expect(demo.revisions()).toEqual({ o1: 1 });
    expect(demo.orders.get("o1")!.data.lines).toEqual([[0, 0, line("l1", 1)]]);
  });

  test("demo goes offline, admin updates twice and the bus is collected; demo comes back, edits, and both converge", async () => {
    const { admin, demo } = await adminAndDemoOnAServer();
    await admin.editOrder("o1", [line("l1", 1)]);
    await demo.receive(1);
    // demo is offline from here: it does not poll.
    await admin.editOrder("o1", [line("l1", 2)]);
    await admin.editOrder("o1", [line("l1", 3)]);
    expect((await gc()).length).toBeGreaterThan(0);
    expect(await demo.catchUp()).toEqual([]);
    const refused = await demo.editOrder("o1", [line("l1", 1), line("l2", 1)]);
    expect(refused).toMatchObject({ action: "revision_error", order_uid: "o1", state: "draft" });
    expect(demo.revisions()).toEqual({ o1: 3 });
    expect(await demo.editOrder("o1", [line("l1", 3), line("l2", 1)])).toMatchObject({ action: "update_revision_ID", revision_ID: 4 });
    await admin.catchUp();
    expect(admin.revisions()).toEqual({ o1: 4 });
    expect(admin.orders.get("o1")!.data.lines).toEqual(demo.orders.get("o1")!.data.lines);
    expect(await serverRevisions(server.url)).toEqual({ o1: 4 });
  });

  test("demo goes offline while admin removes the order; back online it learns the order is gone", async () => {
    const { admin, demo } = await adminAndDemoOnAServer();
    await admin.editOrder("o1", [line("l1", 1)]);
    await demo.receive(1);
    await admin.removeOrder("o1");
    await gc();
    expect(await demo.editOrder("o1", [line("l1", 5)])).toMatchObject({ action: "revision_error", state: "deleted" });
    expect(demo.revisions()).toEqual({});
    expect(admin.revisions()).toEqual({});
    expect(await serverRevisions(server.url)).toEqual({});
  });

  test("both update the same order at once while admin's connection is slow: admin wins, demo re-syncs, both converge", async () => {
    const { admin, demo } = await adminAndDemoOnAServer({ slowDelayMs: 1000 });
    await admin.editOrder("o1", [line("l1", 1)]);
    await demo.receive(1);
    await bothEditOneOrder(server, admin, demo, SLOW);
  });

  test("admin sends two updates 1.5 s apart with a slow connection and gets no revision error: its sends are queued", async () => {
    const { admin, demo } = await adminAndDemoOnAServer({ slowDelayMs: 3000 });
    await admin.editOrder("o1", [line("l1", 1)]);
    await demo.receive(1);
    const first = admin.editOrder("o1", [line("l1", 2)], SLOW);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = admin.editOrder("o1", [line("l1", 3)], SLOW);
    expect(await first).toMatchObject({ action: "update_revision_ID", revision_ID: 2 });
    expect(await second).toMatchObject({ action: "update_revision_ID", revision_ID: 3 });
    await demo.receive(2);
    expect(demo.revisions()).toEqual({ o1: 3 });
    expect(demo.orders.get("o1")!.data.lines).toEqual([[0, 0, { ...line("l1", 3), is_changed: true }]]);
  }, 20_000);

  test("a remove queued behind pending updates goes through after them", async () => {
    const { admin, demo } = await adminAndDemoOnAServer({ slowDelayMs: 500 });
    await admin.editOrder("o1", [line("l1", 1)]);
    const replies = await Promise.all([admin.editOrder("o1", [line("l1", 2)], SLOW), admin.editOrder("o1", [line("l1", 3)]), admin.removeOrder("o1")]);
    expect(replies.map((reply) => reply.action ?? "removed")).toEqual(["update_revision_ID", "update_revision_ID", "removed"]);
    const messages = await demo.receive(4);
    expect(messages.map((m) => m.action)).toEqual(["update_order", "update_order", "update_order", "remove_order"]);
    expect(demo.revisions()).toEqual({});
    expect(await serverRevisions(server.url)).toEqual({});
  });
});
