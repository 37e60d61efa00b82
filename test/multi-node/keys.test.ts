import { afterEach, expect, test } from "vitest";
import { channel, rpc } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { tempDb } from "../helpers/test-store.ts";
import { waitFor } from "../helpers/wait.ts";

const KEY = "runtime-key-of-the-new-shop";

let nodes: TestServer[] = [];
afterEach(async () => {
  for (const node of nodes) await node.close();
  nodes = [];
});

const poll = (url: string, key: string) =>
  rpc(`${url}/k/${key}/longpolling/poll`, { channels: [channel("shop7", "pos.longpolling", 1)], last: 0, options: { peek: true } });
const opens = async (url: string, key: string) => (await poll(url, key)).body.error === undefined;

test("two nodes on one PostgreSQL database: a key put through node 1 opens node 2 within 2 s; deleted through node 2, node 1 refuses it within 2 s", async () => {
  const db = await tempDb();
  const configured = { keys: { shop1: "configured-key-of-shop-one" } };
  const n1 = await startServer(configured, { dbPath: db });
  const n2 = await startServer(configured, { dbPath: db });
  nodes = [n1, n2];
  expect(await opens(n2.url, KEY)).toBe(false);

  const put = await fetch(`${n1.url}/pos_sync/keys/shop7`, { method: "PUT", body: JSON.stringify({ key: KEY }) });
  expect(put.status).toBe(201);
  const putAt = performance.now();
  expect(await opens(n1.url, KEY)).toBe(true);
  await waitFor(() => opens(n2.url, KEY), "node 2 to honour the key put through node 1", 2000);
  const openedAfterMs = performance.now() - putAt;

  const deleted = await fetch(`${n2.url}/pos_sync/keys/shop7`, { method: "DELETE" });
  expect(deleted.status).toBe(200);
  const deletedAt = performance.now();
  expect(await opens(n2.url, KEY)).toBe(false);
  await waitFor(async () => !(await opens(n1.url, KEY)), "node 1 to refuse the key deleted through node 2", 2000);
  const refusedAfterMs = performance.now() - deletedAt;
  expect((await poll(n1.url, KEY)).body.error?.data).toMatchObject({ exception_type: "access_denied" });
  console.info(`key reached node 2 after ${openedAfterMs.toFixed(0)} ms; deletion reached node 1 after ${refusedAfterMs.toFixed(0)} ms`);
});
