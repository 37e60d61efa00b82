import { afterEach, describe, expect, test } from "vitest";
import { call, channel, rpc } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { StreamReader, streamUrl } from "../helpers/stream.ts";
import { waitFor } from "../helpers/wait.ts";

let server: TestServer | undefined;
const readers: StreamReader[] = [];
afterEach(async () => {
  for (const reader of readers.splice(0)) reader.close();
  await server?.close();
  server = undefined;
});

const pong = (posId: number, db = "shop1") => channel(db, "pos.longpolling", posId);
const ping = (url: string, posId: number, db = "shop1", headers?: Record<string, string>) =>
  call(`${url}/pos_longpolling/update`, { message: "PING", pos_id: posId, db_name: db }, headers);

async function open(url: string, headers?: Record<string, string>): Promise<StreamReader> {
  const reader = await StreamReader.open(url, headers);
  readers.push(reader);
  return reader;
}

async function peek(url: string, channels: string[], last = 0, headers?: Record<string, string>) {
  const reply = await rpc<unknown[]>(`${url}/longpolling/poll`, { channels, last, options: { peek: true } }, headers ? { headers } : {});
  return reply.body.result!;
}

describe("the stream", () => {
  test("sends first what a poll with the same last returns, then each notification as it commits, each with its id", async () => {
    server = await startServer();
    await ping(server.url, 1);
    await ping(server.url, 2);
    const reader = await open(streamUrl(server.url, [pong(1)], 0));
    expect(reader.headers?.get("content-type")).toMatch(/^text\/event-stream/);
    await reader.untilCount(1);
    expect(reader.notifications).toEqual(await peek(server.url, [pong(1)]));
    await ping(server.url, 2);
    await ping(server.url, 1);
    await reader.untilCount(2);
    expect(reader.notifications[1]).toEqual({ id: expect.any(Number), channel: pong(1), message: "PONG" });
    expect(reader.ids).toEqual(reader.notifications.map((n) => String(n.id)));
    expect(reader.notifications).toEqual(await peek(server.url, [pong(1)]));
  });

  test("resumes after last, and Last-Event-ID overrides last", async () => {
    server = await startServer();
    for (let i = 0; i < 3; i++) await ping(server.url, 1);
    const all = (await peek(server.url, [pong(1)])) as Array<{ id: number }>;
    const fromLast = await open(streamUrl(server.url, [pong(1)], all[0]!.id));
    expect(fromLast.status).toBe(200);
    await fromLast.untilCount(2);
    expect(fromLast.notifications.map((n) => n.id)).toEqual([all[1]!.id, all[2]!.id]);
    const resumed = await open(streamUrl(server.url, [pong(1)], 0), { "Last-Event-ID": String(all[1]!.id) });
    await resumed.untilCount(1);
    expect(resumed.notifications.map((n) => n.id)).toEqual([all[2]!.id]);
  });

  test("nothing is lost or sent twice when notifications commit while streams open", async () => {
    server = await startServer();
    const url = server.url;
    const sending = (async () => {
      for (let i = 0; i < 60; i++) await ping(url, 1);
    })();
    const streams: StreamReader[] = [];
    for (let i = 0; i < 10; i++) streams.push(await open(streamUrl(url, [pong(1)], 0)));
    await sending;
    const all = (await peek(url, [pong(1)])) as Array<{ id: number }>;
    expect(all).toHaveLength(60);
    for (const reader of streams) {
      await reader.until("the last notification", (r) => r.notifications.at(-1)?.id === all.at(-1)!.id);
      const ids = reader.notifications.map((n) => n.id);
      // Each stream starts where its catch-up read found the window, and from there has every id once.
      expect(ids).toEqual(all.map((n) => n.id).slice(all.length - ids.length));
    }
  });

  test("answers through the key prefix and repeated slashes, with the CORS header", async () => {
    server = await startServer();
    await ping(server.url, 1);
    const reader = await open(streamUrl(`${server.url}/`, [pong(1)], 0), { Origin: "http://pos.example" });
    expect(reader.status).toBe(200);
    expect(reader.headers?.get("access-control-allow-origin")).toBe("*");
    const preflight = await fetch(streamUrl(server.url, [pong(1)]), {
      method: "OPTIONS",
      headers: { Origin: "http://pos.example", "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization,last-event-id" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("last-event-id");
  });

  test("sends a heartbeat comment when idle", async () => {
    server = await startServer({ streamHeartbeat: 0.05 });
    const reader = await open(streamUrl(server.url, [pong(1)]));
    await reader.until("two heartbeats", (r) => r.parser.comments >= 3);
    expect(reader.notifications).toEqual([]);
  });

  test("a client that goes away frees its listener and its slot at once", async () => {
    server = await startServer({ maxPollsPerClient: 1 });
    const first = await open(streamUrl(server.url, [pong(1)]));
    await waitFor(() => server!.bus.heldPolls === 1, "the stream listening");
    const refused = await open(streamUrl(server.url, [pong(2)]));
    expect(refused.status).toBe(429);
    expect(refused.refusal).toEqual({ error: expect.stringContaining("POS_SYNC_MAX_POLLS_PER_CLIENT") });
    first.close();
    await waitFor(() => server!.bus.heldPolls === 0, "the listener freed");
    const again = await open(streamUrl(server.url, [pong(2)]));
    expect(again.status).toBe(200);
  });

  test("server shutdown ends every stream cleanly", async () => {
    server = await startServer();
    const streams = [await open(streamUrl(server.url, [pong(1)])), await open(streamUrl(server.url, [pong(2)]))];
    await waitFor(() => server!.bus.heldPolls === 2, "both streams listening");
    const started = performance.now();
    await server.close();
    server = undefined;
    for (const reader of streams) await reader.until("the stream ended", (r) => r.ended);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe("bad stream requests get a 400 naming the field", () => {
  const cases: Array<[string, string, Record<string, string>, string]> = [
    ["no channels", "/longpolling/stream?last=0", {}, "channels"],
    ["channels not JSON", "/longpolling/stream?channels=%5Bnope&last=0", {}, "channels"],
    ["channels not a list", `/longpolling/stream?channels=${encodeURIComponent('"x"')}`, {}, "channels"],
    ["an empty list", `/longpolling/stream?channels=${encodeURIComponent("[]")}`, {}, "channels"],
    ["a channel that is no string", `/longpolling/stream?channels=${encodeURIComponent("[1]")}`, {}, "channels"],
    ["last not a number", `/longpolling/stream?channels=${encodeURIComponent('["a"]')}&last=abc`, {}, "last"],
    ["last beyond a safe integer", `/longpolling/stream?channels=${encodeURIComponent('["a"]')}&last=9999999999999999`, {}, "last"],
    ["last negative", `/longpolling/stream?channels=${encodeURIComponent('["a"]')}&last=-1`, {}, "last"],
    ["a bad Last-Event-ID", `/longpolling/stream?channels=${encodeURIComponent('["a"]')}&last=1`, { "Last-Event-ID": "x1" }, "last"],
  ];
  test.each(cases)("%s", async (_name, path, headers, field) => {
    server = await startServer();
    const response = await fetch(server.url + path, { headers });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; field: string };
    expect(body.field).toBe(field);
    expect(body.error).toMatch(new RegExp(`^${field}`));
    expect(server.bus.heldPolls).toBe(0);
  });

  test("more channels than a poll may name", async () => {
    server = await startServer({ maxChannelsPerPoll: 2 });
    const response = await fetch(streamUrl(server.url, [pong(1), pong(2), pong(3)]));
    expect(response.status).toBe(429);
    expect(await response.json()).toEqual({ error: expect.stringMatching(/^channels: at most 2/), field: "channels" });
  });
});

describe("keyed mode", () => {
  const KEYS = { shop1: "key-of-shop-one", shop2: "key-of-shop-two" };

  test("the key opens the stream in the path prefix or as Bearer, for every channel's database", async () => {
    server = await startServer({ keys: KEYS });
    const bearer = { Authorization: `Bearer ${KEYS.shop1}` };
    await ping(server.url, 1, "shop1", bearer);
    const inPath = await open(streamUrl(`${server.url}/k/${KEYS.shop1}`, [pong(1)], 0));
    const asBearer = await open(streamUrl(server.url, [pong(1)], 0), bearer);
    for (const reader of [inPath, asBearer]) {
      expect(reader.status).toBe(200);
      await reader.untilCount(1);
    }
    const cases: Array<[string, Record<string, string>]> = [
      [streamUrl(server.url, [pong(1)]), {}],
      [streamUrl(`${server.url}/k/not-a-real-key`, [pong(1)]), {}],
      [streamUrl(server.url, [pong(1), pong(1, "shop2")]), bearer],
      [streamUrl(server.url, ["no-database"]), bearer],
    ];
    for (const [url, headers] of cases) {
      const response = await fetch(url, { headers });
      expect(response.status, url).toBe(403);
      expect(((await response.json()) as { error: string }).error).toMatch(/^Access denied/);
    }
    expect(server.bus.heldPolls).toBe(2);
  });
});
