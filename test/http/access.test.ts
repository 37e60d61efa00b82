import { committedIds } from "../helpers/committed-ids.ts";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { call, channel, rpc } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

const KEYS = { shop1: "key-of-shop-one", shop2: "key-of-shop-two" };
const BACKEND = "the-backend-key";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ keys: KEYS, backendKey: BACKEND, testFeatures: true, pollTimeout: 0.2 });
});
afterAll(async () => {
  await server?.close();
});

type Credential = "none" | "wrong" | "other database" | "right" | "backend";
const credentials: Record<Credential, string | undefined> = {
  none: undefined,
  wrong: "not-a-real-key",
  "other database": KEYS.shop2,
  right: KEYS.shop1,
  backend: BACKEND,
};

const msg = (action: string, data: object) => ({ multi_session_id: 1, dbname: "shop1", user_ID: 1, message: { action, data } });

/** Every route, acting on database shop1, and who it lets in. */
const routes: { route: string; params: object; allowed: Credential[] }[] = [
  { route: "/longpolling/poll", params: { channels: [channel("shop1", "pos.longpolling", 1)], last: 0, options: { peek: true } }, allowed: ["right"] },
  { route: "/pos_longpolling/update", params: { message: "PING", pos_id: 1, db_name: "shop1" }, allowed: ["right"] },
  { route: "/pos_multi_session_sync/update", params: msg("note", { n: 1 }), allowed: ["right"] },
  { route: "/pos_multi_session_sync/update", params: msg("sync_all", { pos_id: 5, run_ID: 1 }), allowed: ["right"] },
  { route: "/longpolling/send", params: { channel: channel("shop1", "pos.longpolling", 1), message: "hi" }, allowed: ["backend"] },
  {
    route: "/pos_longpolling/backend/send_to_channel",
    params: { dbname: "shop1", pos_id: 1, channel_name: "pos_partner_sync", message: {} },
    allowed: ["backend"],
  },
  { route: "/pos_longpolling/backend/send_to_all", params: { dbname: "shop1", channel_name: "pos_partner_sync", data: {} }, allowed: ["backend"] },
  { route: "/pos_multi_session/test/gc", params: {}, allowed: ["backend"] },
];

const cases = routes.flatMap(({ route, params, allowed }) =>
  (Object.keys(credentials) as Credential[]).flatMap((who) =>
    (["bearer", "path"] as const).map((form) => ({ route, params, who, form, allowed: allowed.includes(who) })),
  ),
);

async function send(route: string, params: object, key: string | undefined, form: "bearer" | "path") {
  const prefix = key && form === "path" ? `/k/${key}` : "";
  const headers: Record<string, string> = key && form === "bearer" ? { Authorization: `Bearer ${key}` } : {};
  return rpc(`${server.url}${prefix}${route}`, params, { headers });
}

/** Everything that could have been written: the bus's last id and shop1's known terminals. */
async function snapshot() {
  return { lastId: await committedIds(server.store), terminals: await server.store.knownTerminals("shop1") };
}

describe("keyed mode: the isolation matrix", () => {
  test.each(cases)("$route with $who key ($form) -> allowed: $allowed", async ({ route, params, who, form, allowed }) => {
    const before = await snapshot();
    const reply = await send(route, params, credentials[who], form);
    expect(reply.status).toBe(200);
    if (allowed) {
      expect(reply.body.error).toBeUndefined();
      return;
    }
    expect(reply.body.error?.data).toMatchObject({ name: "odoo.exceptions.AccessDenied", exception_type: "access_denied" });
    for (const key of [...Object.values(KEYS), BACKEND, "not-a-real-key"]) expect(JSON.stringify(reply.body)).not.toContain(key);
    expect(await snapshot()).toEqual(before);
  });

  test("a poll that mixes databases is refused whole, even with one of their keys", async () => {
    const channels = [channel("shop1", "pos.longpolling", 1), channel("shop2", "pos.longpolling", 1)];
    for (const key of [KEYS.shop1, KEYS.shop2]) {
      const reply = await rpc(`${server.url}/k/${key}/longpolling/poll`, { channels, last: 0, options: { peek: true } });
      expect(reply.body.error?.data?.exception_type).toBe("access_denied");
    }
  });

  test("a channel that names no database is refused in keyed mode", async () => {
    const reply = await rpc(`${server.url}/k/${KEYS.shop1}/longpolling/poll`, { channels: ["pos_partner_sync"], last: 0 });
    expect(reply.body.error?.data?.exception_type).toBe("access_denied");
  });

  test("the path-prefix form carries the unmodified wire calls: PING, then its PONG over the poll", async () => {
    const base = `${server.url}/k/${KEYS.shop1}`;
    expect(await call(`${base}/pos_longpolling/update`, { message: "PING", pos_id: 42, db_name: "shop1" })).toBe(1);
    const batch = await call<{ message: unknown }[]>(`${base}/longpolling/poll`, { channels: [channel("shop1", "pos.longpolling", 42)], last: 0, options: {} });
    expect(batch.map((n) => n.message)).toEqual(["PONG"]);
  });

  test("/healthz stays open", async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("pushing from a backend", () => {
  test("sendToAllPoses reaches every known terminal of its database (by sync_all or by polling) and none of another", async () => {
    const s = await startServer({ backendKey: BACKEND, pollTimeout: 0.2 });
    try {
      await call(`${s.url}/pos_multi_session_sync/update`, {
        multi_session_id: 1,
        dbname: "shop1",
        user_ID: 1,
        message: { action: "sync_all", data: { pos_id: 1 } },
      });
      await call(`${s.url}/longpolling/poll`, { channels: [channel("shop1", "pos.longpolling", 2)], last: 0 });
      await call(`${s.url}/longpolling/poll`, { channels: [channel("shop2", "pos.longpolling", 3)], last: 0 });
      const auth = { Authorization: `Bearer ${BACKEND}` };
      expect(
        await call(
          `${s.url}/pos_longpolling/backend/send_to_all`,
          { dbname: "shop1", channel_name: "pos_partner_sync", data: { message: "update_partner_fields", partner_ids: [7] } },
          auth,
        ),
      ).toEqual({ sent: 2 });
      const peek = (db: string, pos: number) =>
        call<{ message: unknown }[]>(`${s.url}/longpolling/poll`, { channels: [channel(db, "pos_partner_sync", pos)], last: 0, options: { peek: true } });
      expect((await peek("shop1", 1)).map((n) => n.message)).toEqual([{ message: "update_partner_fields", partner_ids: [7] }]);
      expect((await peek("shop1", 2)).length).toBe(1);
      expect(await peek("shop2", 3)).toEqual([]);

      // The same two calls in-process.
      expect(await s.push.sendToChannelById("shop2", 3, "pos_partner_sync")).toBe(1);
      expect((await peek("shop2", 3)).map((n) => n.message)).toEqual(["PONG"]);
      expect(await s.push.sendToAllPoses("shop2", "pos_partner_sync", { x: 1 })).toBe(1);
      await expect(s.push.sendToAllPoses('bad"name', "c", {})).rejects.toThrow(/dbname/);
    } finally {
      await s.close();
    }
  });

  test("in open mode the backend routes stay closed until a backend key is configured", async () => {
    const s = await startServer();
    try {
      const reply = await rpc(`${s.url}/pos_longpolling/backend/send_to_all`, { dbname: "shop1", channel_name: "c", data: {} });
      expect(reply.body.error?.data?.message).toContain("POS_SYNC_BACKEND_KEY");
    } finally {
      await s.close();
    }
  });
});

describe("limits that keep one client from hurting the others", () => {
  test("channels per poll: the poll over the limit is refused, the one at it is served", async () => {
    const s = await startServer({ maxChannelsPerPoll: 3, pollTimeout: 0.2 });
    try {
      const channels = (n: number) => Array.from({ length: n }, (_, i) => channel("shop1", "c", i));
      expect(await call(`${s.url}/longpolling/poll`, { channels: channels(3), last: 0, options: { peek: true } })).toEqual([]);
      const reply = await rpc(`${s.url}/longpolling/poll`, { channels: channels(4), last: 0 });
      expect(reply.body.error?.data?.message).toContain("at most 3 channels");
    } finally {
      await s.close();
    }
  });

  test("held polls per client address: the one over the limit is refused at once, the others are held", async () => {
    const s = await startServer({ maxPollsPerClient: 2, pollTimeout: 5 });
    try {
      const poll = (pos: number) => rpc(`${s.url}/longpolling/poll`, { channels: [channel("shop1", "c", pos)], last: 0 });
      const held = [poll(1), poll(2)];
      while (s.bus.heldPolls < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      const refused = await poll(3);
      expect(refused.body.error?.data?.message).toContain("Too many held polls");
      await s.push.sendToChannelById("shop1", 1, "c", "a");
      await s.push.sendToChannelById("shop1", 2, "c", "b");
      expect((await Promise.all(held)).map((r) => r.body.result)).toEqual([
        [expect.objectContaining({ message: "a" })],
        [expect.objectContaining({ message: "b" })],
      ]);
      // The slots are given back: a third poll is held now.
      const again = poll(3);
      while (s.bus.heldPolls < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      await s.push.sendToChannelById("shop1", 3, "c", "c");
      expect((await again).body.result).toEqual([expect.objectContaining({ message: "c" })]);
    } finally {
      await s.close();
    }
  });
});
