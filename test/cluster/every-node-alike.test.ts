import { afterEach, describe, expect, test } from "vitest";
import { nodeUrlsOf } from "../helpers/cluster.ts";
import { faultsApi } from "../helpers/faults.ts";
import { PosPoller } from "../helpers/poller.ts";
import { call, channel } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

/**
 * Two nodes on one PostgreSQL database (the cluster project): what one node is told or sees,
 * the other knows too, within the bounds docs/cluster.md gives.
 */
let server: TestServer;
afterEach(async () => {
  await server?.close();
});

async function twoNodes(overrides = {}): Promise<[string, string]> {
  server = await startServer({ testFeatures: true, ...overrides });
  const [first, second] = nodeUrlsOf(server.url);
  expect(second, "the cluster project starts two nodes").toBeDefined();
  return [first!, second!];
}

const BACKEND_KEY = "backend-key-of-the-cluster-test";
const BACKEND = { Authorization: `Bearer ${BACKEND_KEY}` };
const ping = (url: string, posId: number) => call(`${url}/pos_longpolling/update`, { message: "PING", pos_id: posId, db_name: "shop1" });
const succeeded = (attempt: Promise<unknown>) =>
  attempt.then(
    () => true,
    () => false,
  );

async function consoleTerminal(url: string, posId: number): Promise<any> {
  const response = await fetch(`${url}/console/api/databases/shop1`);
  const view = (await response.json()) as { unregistered: Array<{ posId: string }> };
  return view.unregistered.find((terminal) => terminal.posId === String(posId));
}

describe("every node alike", () => {
  test("a fault rule added through one node applies to a terminal on the other within a second", async () => {
    const [first, second] = await twoNodes();
    const added = await fetch(`${first}/pos_sync/faults`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ match: { dbname: "shop1", pos_id: 2, route: "/pos_longpolling/update" }, effect: { type: "offline" } }),
    });
    expect(added.status).toBe(201);
    // Not listed through the second node (which would make it read the rules at once): it must learn by itself.
    await waitFor(async () => !(await succeeded(ping(second, 2))), "the second node to refuse terminal 2's PING", 1000);
    expect(await succeeded(ping(second, 3))).toBe(true);
  });

  test("a rule with count 1 fires once in all, however many matching requests both nodes serve at once", async () => {
    const [first, second] = await twoNodes();
    const faults = faultsApi(first);
    await faults.addOk({ match: { dbname: "shop1", route: "/pos_longpolling/update" }, effect: { type: "drop_reply" }, count: 1 });
    const pings = Array.from({ length: 20 }, (_, i) => succeeded(ping(i % 2 === 0 ? first : second, 1 + i)));
    const outcomes = await Promise.all(pings);
    expect(outcomes.filter((ok) => !ok)).toHaveLength(1);
    for (const url of [first, second]) expect((await faultsApi(url).list()).body.rules).toMatchObject([{ fired: 1, active: false }]);
  });

  test("test GC through one node: a terminal polling the other sees the gap, not what that node still remembered", async () => {
    const [first, second] = await twoNodes({ backendKey: BACKEND_KEY });
    const terminal = new PosPoller(second, "shop1", 2);
    await terminal.pollOnce({ peek: true });
    await call(`${first}/longpolling/send`, { channel: channel("shop1", "pos.multi_session", 2), message: "before" }, BACKEND);
    // The second node has it in memory: it answers this poll without the database.
    await terminal.receive(1);
    const cursor = terminal.last;
    await call(`${first}/longpolling/send`, { channel: channel("shop1", "pos.multi_session", 2), message: "missed" }, BACKEND);
    // A held poll is answered once the second node has heard of it: from then on its memory holds it.
    const witness = new PosPoller(second, "shop1", 2);
    witness.last = cursor;
    await witness.receive(1);

    const deleted = await call<number[]>(`${first}/pos_multi_session/test/gc`, {}, BACKEND);
    expect(deleted.length).toBe(2);
    expect(await terminal.pollOnce({ peek: true })).toEqual([]);
    expect(terminal.received.map((notification) => notification.message)).toEqual(["before"]);
  });

  test("a peek through one node sees at once what the other just committed", async () => {
    const [first, second] = await twoNodes();
    const a = new PosPoller(first, "shop1", 1);
    const b = new PosPoller(second, "shop1", 2);
    await b.pollOnce({ peek: true });
    await call(`${first}/pos_multi_session_sync/update`, {
      multi_session_id: 1,
      dbname: "shop1",
      user_ID: 1,
      message: { action: "sync_all", data: { pos_id: 2, run_ID: 1 } },
    });
    expect(await b.pollOnce({ peek: true })).toMatchObject([{ message: { action: "sync_all" } }]);
    expect(await a.pollOnce({ peek: true })).toEqual([]);
  });

  test("a terminal polling one node is online, waiting and online again on the other node's console within two seconds", async () => {
    // Polls held long enough for the PING to be answered over the one held.
    const [first, second] = await twoNodes({ pollTimeout: 20 });
    const terminal = new PosPoller(second, "shop1", 4);
    await terminal.pollOnce({ peek: true });
    const held = terminal.pollOnce();
    await waitFor(async () => (await consoleTerminal(first, 4))?.state === "online", "the first node's console to show terminal 4 online", 2000);
    expect(await consoleTerminal(first, 4)).toMatchObject({ heldPolls: 1, clientAddress: expect.any(String) });

    // Its PING goes through the first node; the PONG comes over the poll the second node holds.
    await ping(first, 4);
    await held;
    expect(terminal.pongs).toBe(1);
    await waitFor(
      async () => {
        const seen = await consoleTerminal(first, 4);
        return seen?.state === "online" && seen.lastPongAt >= seen.lastPingAt;
      },
      "the first node's console to see the PONG delivered by the second",
      2000,
    );
  });
});
