import { afterEach, expect, test } from "vitest";
import { startProxy, type Proxy as TcpProxy } from "../client/proxy.ts";
import { freePort, spawnIn, type Spawned } from "../cli/spawn.ts";
import { rpc } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { serverOrder, serverScreen, settle, SimulatedPos } from "../helpers/simulated-pos.ts";
import { tempDb } from "../helpers/test-store.ts";
import { waitFor } from "../helpers/wait.ts";

let proxy: TcpProxy | undefined;
let node: Spawned | undefined;
let server: TestServer | undefined;
const terminals: SimulatedPos[] = [];
afterEach(async () => {
  for (const terminal of terminals.splice(0)) terminal.stop();
  await server?.close();
  node?.child.kill("SIGKILL");
  await node?.exited;
  await proxy?.close();
  [proxy, node, server] = [undefined, undefined, undefined];
});

/** The test's database reached through a TCP proxy in front of the local PostgreSQL. */
async function databaseBehindProxy(): Promise<string> {
  const db = await tempDb();
  const target = new URL(db.replace(/^postgres(ql)?:/, "http:"));
  proxy = await startProxy(Number(target.port || 5432));
  return db.replace(`:${target.port || 5432}/`, `:${proxy.port}/`);
}

async function health(url: string) {
  const response = await fetch(`${url}/healthz`);
  return { httpStatus: response.status, ...((await response.json()) as { status: string; database: boolean }) };
}

const updateParams = {
  multi_session_id: 1,
  dbname: "shop1",
  user_ID: 1,
  message: { action: "update_order", data: { uid: "early", revision_ID: 1, nonce: "early-1", sequence_number: 1, run_ID: 1, lines: [], pos_id: 1 } },
};

test("a node started before PostgreSQL is reachable keeps running: /healthz 503, calls get 'database unavailable' (HTTP 503), nothing written; it serves within seconds once PostgreSQL answers", async () => {
  const db = await databaseBehindProxy();
  await proxy!.cut();
  const port = await freePort();
  node = spawnIn(process.execPath, ["dist/main.js"], { POS_SYNC_DB: db, POS_SYNC_PORT: String(port), POS_SYNC_POLL_TIMEOUT: "2" });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => node!.output().includes("waiting for the database"), "the node to wait for its database", 15_000);

  expect(await health(url)).toMatchObject({ httpStatus: 503, status: "unavailable", database: false });
  const refused = await rpc(`${url}/pos_multi_session_sync/update`, updateParams);
  expect(refused.status).toBe(503);
  expect(refused.body.error?.data).toMatchObject({
    name: "odoo.exceptions.UserError",
    message: expect.stringMatching(/^database unavailable: .*nothing was written, retry later$/),
  });
  const poll = await rpc(`${url}/longpolling/poll`, { channels: ['["shop1","pos.multi_session","1"]'], last: 0 });
  expect(poll.status).toBe(503);
  // A few attempts later it is still there, waiting.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect((await health(url)).httpStatus).toBe(503);
  expect(node.child.exitCode).toBeNull();

  await proxy!.restore();
  const restoredAt = performance.now();
  await waitFor(async () => (await health(url)).status === "ok", "the node to serve once PostgreSQL answers", 10_000);
  const servingAfterMs = performance.now() - restoredAt;
  expect(node.output()).toContain('"msg":"listening"');

  // Nothing of the refused call was written, and the node now works.
  const pos = new SimulatedPos(url, { posId: 1 });
  await pos.start();
  expect(pos.orders.size).toBe(0);
  await pos.newOrder("o1");
  await pos.addProduct("o1", 7);
  expect(serverScreen(await serverOrder(url, "o1"))).toEqual([[7, 1]]);
  console.info(`serving ${servingAfterMs.toFixed(0)} ms after PostgreSQL became reachable`);
});

test("SIGTERM while the node waits for its database: it exits 0 at once", async () => {
  const db = await databaseBehindProxy();
  await proxy!.cut();
  node = spawnIn(process.execPath, ["dist/main.js"], { POS_SYNC_DB: db, POS_SYNC_PORT: String(await freePort()) });
  await waitFor(() => node!.output().includes("waiting for the database"), "the node to wait for its database", 15_000);
  node.child.kill("SIGTERM");
  expect(await node.exited).toBe(0);
});

test("the original POS across a database outage: its edits fail with 503, it goes offline, re-syncs once PostgreSQL answers and sends again what the server lacks; nothing is lost", async () => {
  const db = await databaseBehindProxy();
  server = await startServer({ pgStatementTimeoutMs: 1000 }, { dbPath: db });
  const [a, b] = [1, 2].map((posId) => new SimulatedPos(server!.url, { posId, offlineSyncMs: 100 }));
  terminals.push(a!, b!);
  await a!.start();
  await b!.start();
  await a!.newOrder("o1");
  await a!.addProduct("o1", 1);
  await settle([a!, b!]);

  await proxy!.cut();
  // The cashier keeps working: a new line on a synced order, and a new order.
  await a!.addProduct("o1", 2);
  await a!.newOrder("o2", 2);
  await a!.addProduct("o2", 5);
  expect(a!.online).toBe(false);
  expect(a!.failures.every((failure) => /^update_order: HTTP 503 database unavailable: /.test(failure))).toBe(true);
  expect(a!.failures.length).toBeGreaterThanOrEqual(2);
  expect(a!.screen("o1")).toEqual([
    [1, 1],
    [2, 1],
  ]);

  await proxy!.restore();
  await waitFor(() => a!.online, "the POS's offline sync_all to be answered", 15_000);
  await waitFor(async () => (await health(server!.url)).status === "ok", "the node to hear commits again", 15_000);
  await settle([a!, b!]);

  expect(serverScreen(await serverOrder(server.url, "o1"))).toEqual([
    [1, 1],
    [2, 1],
  ]);
  expect(serverScreen(await serverOrder(server.url, "o2"))).toEqual([[5, 1]]);
  expect(b!.screen("o1")).toEqual(a!.screen("o1"));
  expect(b!.screen("o2")).toEqual([[5, 1]]);
});
