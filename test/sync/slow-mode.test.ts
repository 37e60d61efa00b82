import { afterEach, describe, expect, test } from "vitest";
import { call } from "../helpers/rpc.ts";
import { adminAndDemo, line, SimulatedPos } from "../helpers/simulated-pos.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

const SLOW = { phantomtest: "slowConnection" };

describe("slow-connection test mode", () => {
  test("the slowed reply waits the delay; the broadcast and other requests do not", async () => {
    server = await startServer({ testFeatures: true, slowDelayMs: 1500, pollTimeout: 5 });
    const { admin, demo } = await adminAndDemo(server.url);
    await demo.catchUp();

    const started = performance.now();
    let slowDoneAt = 0;
    const slow = admin.editOrder("o1", [line("l1", 1)], SLOW).then((reply) => {
      slowDoneAt = performance.now();
      return reply;
    });
    const [broadcast] = await demo.receive(1);
    const receivedAt = performance.now();
    expect(broadcast).toMatchObject({ action: "update_order", data: { uid: "o1" } });
    expect(slowDoneAt).toBe(0);

    const unrelatedStart = performance.now();
    await call(`${server.url}/pos_longpolling/update`, { message: "PING", pos_id: 3, db_name: "other" });
    const unrelatedMs = performance.now() - unrelatedStart;

    expect(await slow).toMatchObject({ action: "update_revision_ID", revision_ID: 1 });
    expect(slowDoneAt - started).toBeGreaterThanOrEqual(1500);
    expect(receivedAt - started).toBeLessThan(1500);
    expect(unrelatedMs).toBeLessThan(1000);
  });

  test("with test features off the header is ignored", async () => {
    server = await startServer({ testFeatures: false, slowDelayMs: 5000 });
    const admin = new SimulatedPos(server.url, { posId: 1 });
    await admin.syncAll();
    const started = performance.now();
    await admin.editOrder("o1", [line("l1", 1)], SLOW);
    expect(performance.now() - started).toBeLessThan(4000);
  });
});
