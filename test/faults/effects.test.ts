import { committedIds } from "../helpers/committed-ids.ts";
import { afterEach, describe, expect, test } from "vitest";
import { faultsApi } from "../helpers/faults.ts";
import { adminAndDemo, line } from "../helpers/simulated-pos.ts";
import { Poller } from "../helpers/poller.ts";
import { call, channel, rpc } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

/** Each effect on its own, aimed at terminal 2 of shop1. */
let server: TestServer;
afterEach(async () => {
  await server?.close();
});

async function shop(overrides = {}) {
  server = await startServer({ testFeatures: true, ...overrides });
  return { faults: faultsApi(server.url), ...(await adminAndDemo(server.url)) };
}

const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now();
  const result = await work();
  return [result, performance.now() - started];
};

describe("fault effects", () => {
  test("delay_request holds the request before anything is applied", async () => {
    const { faults, demo } = await shop();
    await faults.addOk({ match: { dbname: "shop1", pos_id: 2 }, effect: { type: "delay_request", ms: 1000 } });
    const before = await committedIds(server.store);
    const edit = demo.editOrder("o1", [line("l1", 1)]);
    await waitFor(async () => (await faults.list()).body.rules[0].fired === 1, "the rule to fire");
    expect(await committedIds(server.store)).toBe(before);
    const [reply, ms] = await timed(() => edit);
    expect(reply).toMatchObject({ action: "update_revision_ID" });
    expect(ms).toBeGreaterThan(800);
    expect(await committedIds(server.store)).not.toBe(before);
  });

  test("delay_reply applies and broadcasts at once, and only the reply waits (ms ± jitter_ms)", async () => {
    const { faults, admin, demo } = await shop();
    await faults.addOk({ match: { dbname: "shop1", pos_id: 2, action: "update_order" }, effect: { type: "delay_reply", ms: 600, jitter_ms: 100 } });
    const started = performance.now();
    const edit = demo.editOrder("o1", [line("l1", 1)]);
    const [broadcast] = await admin.receive(1);
    expect(broadcast).toMatchObject({ action: "update_order", data: { uid: "o1" } });
    await edit;
    expect(performance.now() - started).toBeGreaterThanOrEqual(500);
  });

  test("delay_delivery holds notifications to the terminal's polls; empty polls are neither held nor counted", async () => {
    const { faults, admin } = await shop({ pollTimeout: 0.3 });
    await faults.addOk({ match: { dbname: "shop1", pos_id: 2 }, effect: { type: "delay_delivery", ms: 1000 } });
    const poller = new Poller(server.url, [channel("shop1", "pos.multi_session", 2)]);
    poller.last = await server.store.lastCommittedId("shop1");
    const [empty, emptyMs] = await timed(() => poller.pollOnce());
    expect(empty).toEqual([]);
    expect(emptyMs).toBeLessThan(900);
    const polled = poller.pollOnce();
    await admin.editOrder("o1", [line("l1", 1)]);
    const committed = performance.now();
    expect(await polled).toHaveLength(1);
    expect(performance.now() - committed).toBeGreaterThanOrEqual(900);
    expect((await faults.list()).body.rules).toMatchObject([{ fired: 1 }]);
  });

  test("drop_reply on a poll: the client sees a network error and its next poll from the same cursor gets the notification", async () => {
    const { faults, admin } = await shop();
    const poller = new Poller(server.url, [channel("shop1", "pos.multi_session", 2)]);
    poller.last = await server.store.lastCommittedId("shop1");
    await faults.addOk({ match: { dbname: "shop1", pos_id: 2, route: "/longpolling/poll" }, effect: { type: "drop_reply" }, count: 1 });
    await admin.editOrder("o1", [line("l1", 1)]);
    await expect(poller.pollOnce()).rejects.toThrow();
    expect(await poller.pollOnce()).toMatchObject([{ message: { action: "update_order", data: { uid: "o1" } } }]);
  });

  test("offline refuses the PING route too, also under /k/<key>/ in keyed mode", async () => {
    server = await startServer({ testFeatures: true, keys: "shop1:shop1-key-for-tests" });
    const faults = faultsApi(server.url);
    await faults.addOk({ match: { dbname: "shop1", pos_id: 2 }, effect: { type: "offline" }, count: 2 });
    const ping = (posId: number) => rpc(`${server.url}/k/shop1-key-for-tests/pos_longpolling/update`, { message: "PING", pos_id: posId, db_name: "shop1" });
    await expect(ping(2)).rejects.toThrow();
    expect((await ping(1)).body.result).toBe(1);
    await expect(
      call(`${server.url}/k/shop1-key-for-tests/longpolling/poll`, { channels: [channel("shop1", "pos.longpolling", 2)], last: 0 }),
    ).rejects.toThrow();
    expect((await faults.list()).body.rules).toMatchObject([{ fired: 2 }]);
  });

  test("a hung request is let go at shutdown: closing the server does not wait for it", async () => {
    const { faults, demo } = await shop();
    await faults.addOk({ match: { dbname: "shop1", pos_id: 2 }, effect: { type: "hang" } });
    const hung = demo.editOrder("o1", [line("l1", 1)]).catch((error: unknown) => error);
    await waitFor(async () => (await faults.list()).body.rules[0].fired === 1, "the request to hang");
    // A grace far above the bound: were the hung request waited for, closing would take 60 s.
    const [, ms] = await timed(() => server.close(60_000));
    expect(ms).toBeLessThan(20_000);
    expect(await hung).toBeInstanceOf(Error);
  });
});
