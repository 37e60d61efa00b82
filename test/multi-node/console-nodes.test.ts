import { afterEach, describe, expect, test } from "vitest";
import { getJson } from "../console/helpers.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { tempDb } from "../helpers/test-store.ts";

let servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

describe("the console on several nodes sharing one PostgreSQL database", () => {
  test("each node's overview lists both nodes, alive, each marking itself", async () => {
    const db = await tempDb();
    servers = [await startServer({}, { dbPath: db })];
    servers.push(await startServer({}, { dbPath: db }));
    const overviews = await Promise.all(servers.map(async (server) => (await getJson(server.url, "/console/api/overview")).body));
    const ids = overviews.map((overview) => overview.node.id);
    expect(new Set(ids).size).toBe(2);
    for (const [i, overview] of overviews.entries()) {
      expect(overview.store.kind).toBe("postgres");
      const listed = overview.nodes as { nodeId: string; url: string; alive: boolean; self: boolean }[];
      expect(listed.map((entry) => entry.nodeId).sort()).toEqual([...ids].sort());
      for (const entry of listed) {
        expect(entry.alive).toBe(true);
        expect(entry.self).toBe(entry.nodeId === ids[i]);
        expect(entry.url).toBe(servers[ids.indexOf(entry.nodeId)]!.url);
      }
    }
  });
});
