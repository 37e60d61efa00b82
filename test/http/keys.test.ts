import { createHash } from "node:crypto";
import { afterEach, describe, expect, test } from "vitest";
import { channel, rpc } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

const CONFIGURED = { shop1: "configured-key-of-shop-one" };
const KEY_A = "runtime-key-of-shop-two-AAAA";
const KEY_B = "runtime-key-of-shop-two-BBBB";
const ADMIN = "the-admin-key-of-this-node";

let servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers) await server.close();
  servers = [];
});

async function start(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}

async function keysApi(url: string, method: string, path = "", init: { body?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${url}/pos_sync/keys${path}`, { method, headers: init.headers ?? {}, ...(init.body === undefined ? {} : { body: init.body }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

const putKey = (url: string, dbname: string, key: unknown, headers: Record<string, string> = {}) =>
  keysApi(url, "PUT", `/${dbname}`, { body: JSON.stringify({ key }), headers: { "Content-Type": "application/json", ...headers } });

/** A terminal of `dbname` adding an order through a key in the URL prefix: the reply's error data, or undefined. */
async function update(url: string, dbname: string, key: string | undefined, uid = "o1") {
  const prefix = key ? `/k/${key}` : "";
  const params = {
    multi_session_id: 1,
    dbname,
    user_ID: 1,
    message: { action: "update_order", data: { uid, revision_ID: 1, nonce: `n-${uid}-${key}`, sequence_number: 1, run_ID: 1, lines: [], pos_id: 1 } },
  };
  const reply = await rpc<{ action: string }>(`${url}${prefix}/pos_multi_session_sync/update`, params);
  return reply.body.error?.data ?? reply.body.result;
}

async function orderUids(url: string, dbname: string, key: string): Promise<string[]> {
  const params = { multi_session_id: 1, dbname, user_ID: 9, message: { action: "sync_all", immediate_rerendering: true, data: { pos_id: 9, run_ID: 1 } } };
  const reply = await rpc<{ data: { orders: { data: { uid: string } }[] } }>(`${url}/k/${key}/pos_multi_session_sync/update`, params);
  if (!reply.body.result) throw new Error(`sync_all failed: ${JSON.stringify(reply.body)}`);
  return reply.body.result.data.orders.map((order) => order.data.uid);
}

function corsHeaders(headers: Headers): string[] {
  const names: string[] = [];
  headers.forEach((_, name) => {
    if (name.startsWith("access-control-")) names.push(name);
  });
  return names;
}

describe("shop keys at run time", () => {
  test("an operator adds a shop, rotates its key and removes it on a running server; a wrong or deleted key is refused as today and writes nothing", async () => {
    const server = await start({ keys: CONFIGURED });
    const refused = { exception_type: "access_denied", message: 'Access denied: the key does not open database "shop2"' };
    expect(await update(server.url, "shop2", KEY_A)).toMatchObject(refused);

    expect(await putKey(server.url, "shop2", KEY_A)).toMatchObject({ status: 201, json: { dbname: "shop2", source: "store", rotated: false } });
    expect(await update(server.url, "shop2", KEY_A, "o1")).toMatchObject({ action: "update_revision_ID" });
    // The configured key keeps working beside it, and opens only its own shop.
    expect(await update(server.url, "shop1", CONFIGURED.shop1)).toMatchObject({ action: "update_revision_ID" });
    expect(await update(server.url, "shop2", CONFIGURED.shop1, "o-foreign")).toMatchObject(refused);

    expect(await putKey(server.url, "shop2", KEY_B)).toMatchObject({ status: 200, json: { rotated: true } });
    expect(await update(server.url, "shop2", KEY_A, "o-old-key")).toMatchObject(refused);
    expect(await update(server.url, "shop2", KEY_B, "o2")).toMatchObject({ action: "update_revision_ID" });

    expect(await keysApi(server.url, "DELETE", "/shop2")).toMatchObject({ status: 200, json: { deleted: 1 } });
    expect(await update(server.url, "shop2", KEY_B, "o-deleted-key")).toMatchObject(refused);
    expect(await keysApi(server.url, "DELETE", "/shop2")).toMatchObject({ status: 404, json: { field: "dbname" } });

    // Nothing the refused requests carried was written.
    await putKey(server.url, "shop2", KEY_A);
    expect((await orderUids(server.url, "shop2", KEY_A)).sort()).toEqual(["o1", "o2"]);
  });

  test("the list names databases and where their keys come from, never a key; the store keeps digests only; stored keys survive a restart", async () => {
    const server = await start({ keys: CONFIGURED });
    await putKey(server.url, "shop2", KEY_A);
    const listed = await keysApi(server.url, "GET");
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual({
      keys: [
        { dbname: "shop1", source: "config" },
        { dbname: "shop2", source: "store", updated_at: expect.any(Number) },
      ],
    });
    const sha256 = createHash("sha256").update(KEY_A).digest("hex");
    expect(listed.text).not.toContain(KEY_A);
    expect(listed.text).not.toContain(CONFIGURED.shop1);
    expect(listed.text).not.toContain(sha256);

    const stored = await server.store.listShopKeys();
    expect(stored).toEqual([{ dbname: "shop2", keyDigest: sha256, updatedAt: expect.any(Number) }]);
    expect(JSON.stringify(stored)).not.toContain(KEY_A);

    await server.close();
    servers = [];
    const again = await start({ keys: CONFIGURED }, { dbPath: server.dbPath });
    expect(await update(again.url, "shop2", KEY_A)).toMatchObject({ action: "update_revision_ID" });
  });

  test("a configured key wins: the API refuses to set or delete it (409 naming dbname) and the configured key keeps opening", async () => {
    const server = await start({ keys: CONFIGURED });
    expect(await putKey(server.url, "shop1", KEY_A)).toMatchObject({ status: 409, json: { field: "dbname" } });
    expect(await keysApi(server.url, "DELETE", "/shop1")).toMatchObject({ status: 409, json: { field: "dbname" } });
    expect(await update(server.url, "shop1", KEY_A)).toMatchObject({ exception_type: "access_denied" });
    expect(await update(server.url, "shop1", CONFIGURED.shop1)).toMatchObject({ action: "update_revision_ID" });
  });

  test("bad input gets a 400 naming the field and changes nothing", async () => {
    const server = await start({ keys: CONFIGURED });
    await putKey(server.url, "shop2", KEY_A);
    const before = await keysApi(server.url, "GET");
    const cases: { path: string; body: string; field: string; error: RegExp }[] = [
      { path: "/bad%20name", body: JSON.stringify({ key: KEY_B }), field: "dbname", error: /^dbname: not a valid database name/ },
      { path: "/-leading-dash", body: JSON.stringify({ key: KEY_B }), field: "dbname", error: /^dbname: / },
      { path: "/shop2", body: JSON.stringify({}), field: "key", error: /^key: missing/ },
      { path: "/shop2", body: JSON.stringify({ key: "short-key" }), field: "key", error: /^key: a key is 16-200 characters/ },
      { path: "/shop2", body: JSON.stringify({ key: "has spaces in it, sixteen+" }), field: "key", error: /^key: / },
      { path: "/shop2", body: JSON.stringify({ key: 1234567890123456 }), field: "key", error: /^key: / },
      { path: "/shop2", body: JSON.stringify({ key: KEY_B, extra: 1 }), field: "extra", error: /^extra: / },
      { path: "/shop2", body: "{not json", field: "key", error: /^key: the body is not JSON/ },
    ];
    for (const { path, body, field, error } of cases) {
      const reply = await keysApi(server.url, "PUT", path, { body, headers: { "Content-Type": "application/json" } });
      expect(reply.status, `${path} ${body}`).toBe(400);
      expect(reply.json, `${path} ${body}`).toMatchObject({ field, error: expect.stringMatching(error) });
    }
    expect((await keysApi(server.url, "DELETE", "/bad%20name")).json).toMatchObject({ field: "dbname" });
    expect((await keysApi(server.url, "GET")).json).toEqual(before.json);
    expect(await update(server.url, "shop2", KEY_A)).toMatchObject({ action: "update_revision_ID" });
    expect(await update(server.url, "shop2", KEY_B)).toMatchObject({ exception_type: "access_denied" });
  });

  test("access as for the console: the admin key as Bearer; a shop's key opens nothing; no CORS headers; a foreign Origin is refused even on loopback", async () => {
    const server = await start({ keys: CONFIGURED, adminKey: ADMIN });
    const admin = { Authorization: `Bearer ${ADMIN}` };
    expect((await keysApi(server.url, "GET")).status).toBe(401);
    expect((await keysApi(server.url, "GET", "", { headers: { Authorization: `Bearer ${CONFIGURED.shop1}` } })).status).toBe(401);
    expect((await putKey(server.url, "shop2", KEY_A, { Authorization: `Bearer ${CONFIGURED.shop1}` })).status).toBe(401);
    expect((await putKey(server.url, "shop2", KEY_A, admin)).status).toBe(201);
    const listed = await keysApi(server.url, "GET", "", { headers: { ...admin, Origin: "https://pos.example.com" } });
    expect(listed.status).toBe(403);
    expect(corsHeaders(listed.headers)).toEqual([]);
    const ok = await keysApi(server.url, "GET", "", { headers: admin });
    expect(corsHeaders(ok.headers)).toEqual([]);
    const sameOrigin = await keysApi(server.url, "GET", "", { headers: { ...admin, Origin: server.url } });
    expect(sameOrigin.status).toBe(200);
    const preflight = await keysApi(server.url, "OPTIONS", "/shop2", {
      headers: { Origin: "https://pos.example.com", "Access-Control-Request-Method": "PUT" },
    });
    expect(preflight.status).toBe(403);
    expect(corsHeaders(preflight.headers)).toEqual([]);
  });

  test("without an admin key: loopback opens the routes in keyed mode too; the first stored key turns an open server keyed", async () => {
    const server = await start();
    const poll = (key?: string) =>
      rpc(`${server.url}${key ? `/k/${key}` : ""}/longpolling/poll`, { channels: [channel("shop9", "pos.longpolling", 1)], last: 0, options: { peek: true } });
    expect((await poll()).body.result).toEqual([]);
    expect((await putKey(server.url, "shop9", KEY_A)).status).toBe(201);
    expect((await poll()).body.error?.data).toMatchObject({ exception_type: "access_denied" });
    expect((await poll(KEY_A)).body.result).toEqual([]);
    expect((await keysApi(server.url, "GET")).status).toBe(200);
    expect((await keysApi(server.url, "DELETE", "/shop9")).status).toBe(200);
    expect((await poll()).body.result).toEqual([]);
  });
});
