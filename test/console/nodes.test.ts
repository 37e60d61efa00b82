import { afterEach, describe, expect, test } from "vitest";
import { version as VERSION } from "../../src/version.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { getJson } from "./helpers.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const node = (id: string, lastSeen: number) => ({
  nodeId: id,
  hostname: "elsewhere",
  pid: 4242,
  version: "0.0.1",
  url: "http://10.0.0.9:8079",
  startedAt: lastSeen - 60_000,
  lastSeen,
  heldPolls: 3,
  terminalsOnline: 2,
});

describe("the node registry in the overview", () => {
  test("the overview lists the serving node, alive, with its heartbeat", async () => {
    server = await startServer();
    const { status, body } = await getJson(server.url, "/console/api/overview");
    expect(status).toBe(200);
    expect(body.nodes).toEqual([
      expect.objectContaining({ nodeId: body.node.id, url: server.url, pid: process.pid, version: VERSION, alive: true, self: true, heldPolls: 0 }),
    ]);
    expect(Date.now() - body.nodes[0].lastSeen).toBeLessThan(15_000);
  });

  test("a node whose heartbeat is stale is listed as not alive; one not seen for a minute is not listed", async () => {
    server = await startServer();
    await server.store.saveNodeHeartbeat(node("stale-node", Date.now() - 30_000));
    await server.store.saveNodeHeartbeat(node("gone-node", Date.now() - 120_000));
    const { body } = await getJson(server.url, "/console/api/overview");
    const byId = Object.fromEntries(body.nodes.map((entry: { nodeId: string }) => [entry.nodeId, entry]));
    expect(Object.keys(byId).sort()).toEqual([body.node.id, "stale-node"].sort());
    expect(byId["stale-node"]).toMatchObject({ alive: false, self: false, hostname: "elsewhere", heldPolls: 3, terminalsOnline: 2 });
  });

  test("a shop's key does not see the nodes", async () => {
    server = await startServer({ keys: { shop1: "key-of-shop-one" }, adminKey: "the-admin-key-0123" });
    const shop = await getJson(server.url, "/console/api/overview", "key-of-shop-one");
    expect(shop.status).toBe(200);
    expect(shop.body.nodes).toBeUndefined();
    const admin = await getJson(server.url, "/console/api/overview", "the-admin-key-0123");
    expect(admin.body.nodes).toHaveLength(1);
  });
});
