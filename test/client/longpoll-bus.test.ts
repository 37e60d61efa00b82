import { afterEach, describe, expect, test } from "vitest";
import {
  LongpollBus,
  localStorageAdapter,
  MultiSessionClient,
  type ConnectionState,
  type LongpollBusOptions,
  type Notification,
  type WebStorageLike,
} from "../../src/client/index.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { DB, fastBackoff, nextEvent, sessionTerminal, testBusOptions, testServer, TRANSPORT, until } from "./helpers.ts";
import { startProxy } from "./proxy.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function openBus(options: Partial<LongpollBusOptions> & { baseUrl: string }): LongpollBus {
  const bus = new LongpollBus({ dbname: DB, posId: 2, backoff: fastBackoff, pollRequestTimeoutMs: 10_000, transport: TRANSPORT, ...options });
  cleanups.push(() => bus.stop());
  return bus;
}

function recordStates(bus: LongpollBus): ConnectionState[] {
  const states: ConnectionState[] = [bus.state];
  cleanups.push(bus.on("state", (state) => states.push(state)));
  return states;
}

/** A terminal of the session that only sends (broadcasts of a custom action). */
async function openSender(baseUrl: string): Promise<MultiSessionClient> {
  const sender = new MultiSessionClient({ ...sessionTerminal(baseUrl), backoff: fastBackoff, busOptions: testBusOptions });
  cleanups.push(() => sender.stop());
  await sender.start();
  return sender;
}

/** Registers posId 2 in the session over `bus` (sync_all), so broadcasts reach it. */
async function joinSession(baseUrl: string, bus: LongpollBus): Promise<MultiSessionClient> {
  const terminal = new MultiSessionClient({ ...sessionTerminal(baseUrl, 2), bus, backoff: fastBackoff });
  cleanups.push(() => terminal.stop());
  await terminal.start();
  return terminal;
}

test("starts waiting, turns online when the server answers, and its PING's PONG arrives over the bus", async () => {
  const server = await testServer();
  cleanups.push(() => server.close(500));
  const bus = openBus({ baseUrl: server.url });
  const pongs: unknown[] = [];
  bus.addChannelCallback("pos.longpolling", (message) => pongs.push(message));
  const states = recordStates(bus);
  bus.start();
  expect(bus.state).toBe("waiting");
  await until("online with the PONG", () => bus.state === "online" && pongs.includes("PONG"), [bus]);
  expect(states).toEqual(["waiting", "online"]);
});

test("a channel added while polling is listened to at once", async () => {
  const server = await testServer();
  cleanups.push(() => server.close(500));
  const bus = openBus({ baseUrl: server.url });
  bus.start();
  await until("online", () => bus.state === "online", [bus]);
  const received: Notification[] = [];
  bus.addChannelCallback("pos.multi_session", (_message, notification) => received.push(notification));
  const terminal = await joinSession(server.url, bus);
  const sender = await openSender(server.url);
  await sender.broadcast("custom_action", { text: "hello" });
  await until("the broadcast arrived", () => received.some((n) => (n.message as { action?: string }).action === "custom_action"), [bus], 5_000);
  expect(JSON.parse(received.at(-1)!.channel)).toEqual([DB, "pos.multi_session", "2"]);
  expect(terminal.messageId).toBeGreaterThan(0);
});

test("the cursor is kept in the given storage, so a new bus resumes where the last one stopped", async () => {
  const server = await testServer();
  cleanups.push(() => server.close(500));
  const values = new Map<string, string>();
  const webStorage: WebStorageLike = { getItem: (k) => values.get(k) ?? null, setItem: (k, v) => void values.set(k, v) };
  const first = openBus({ baseUrl: server.url, storage: localStorageAdapter(webStorage) });
  first.start();
  await until("online", () => first.state === "online" && first.last > 0, [first]);
  first.stop();
  expect([...values.values()]).toEqual([String(first.last)]);

  const second = openBus({ baseUrl: server.url, storage: localStorageAdapter(webStorage) });
  const seen: Notification[] = [];
  second.addChannelCallback("pos.longpolling", (_m, n) => seen.push(n));
  second.start();
  expect(second.last).toBe(first.last);
  await until("online", () => second.state === "online", [second]);
  expect(seen.every((n) => n.id > first.last)).toBe(true);
});

test("after a server restart on the same file the bus reconnects and receives every notification, once, in order", async () => {
  let server: TestServer = await testServer();
  cleanups.push(() => server.close(500));
  const { dbPath, port } = server;
  // The receiver reaches the server through a proxy, so it can be kept away until the sender is done.
  const proxy = await startProxy(port);
  cleanups.push(() => proxy.close());
  const bus = openBus({ baseUrl: proxy.url });
  const received: Array<{ id: number; text: unknown; messageId: unknown }> = [];
  bus.addChannelCallback("pos.multi_session", (message, n) => {
    const { action, data } = message as { action: string; data: { text?: unknown; message_ID?: unknown } };
    if (action === "note") received.push({ id: n.id, text: data.text, messageId: data.message_ID });
  });
  const states = recordStates(bus);
  bus.start();
  await joinSession(proxy.url, bus);
  const sender = await openSender(server.url);
  for (const text of ["m1", "m2", "m3"]) await sender.broadcast("note", { text });
  await until("m1..m3 arrived", () => received.length === 3, [bus]);

  await proxy.cut();
  await server.close(500);
  await until("offline", () => bus.state === "offline", [bus]);
  server = await startServer({ pollTimeout: 2, logLevel: "silent", port }, { dbPath });
  // Sent while the receiver is still away: it must get them from its cursor.
  for (const text of ["m4", "m5", "m6"]) await sender.broadcast("note", { text });
  await proxy.restore();

  await until("m4..m6 arrived", () => received.length >= 6 && bus.state === "online", [bus]);
  expect(received.map((r) => r.text)).toEqual(["m1", "m2", "m3", "m4", "m5", "m6"]);
  const ids = received.map((r) => r.id);
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  expect(new Set(ids).size).toBe(6);
  const messageIds = received.map((r) => r.messageId as number);
  expect(messageIds).toEqual(messageIds.map((_, i) => messageIds[0]! + i));
  expect(states.slice(0, 3)).toEqual(["waiting", "online", "offline"]);
  expect(states.at(-1)).toBe("online");
});

test("goes offline when the server stops and online when it returns", async () => {
  let server: TestServer = await testServer();
  cleanups.push(() => server.close(500));
  const { dbPath, port } = server;
  const bus = openBus({ baseUrl: server.url });
  bus.start();
  await until("online", () => bus.state === "online", [bus]);
  const wentOffline = nextEvent(bus, "state", (s) => s === "offline");
  await server.close(500);
  await wentOffline;
  const cameBack = nextEvent(bus, "state", (s) => s === "online");
  server = await startServer({ pollTimeout: 2, logLevel: "silent", port }, { dbPath });
  await cameBack;
});

test("goes offline when the server stops answering (no PONG within the timeout) and online when it answers again", async () => {
  const server = await testServer();
  cleanups.push(() => server.close(500));
  const proxy = await startProxy(server.port);
  cleanups.push(() => proxy.close());
  const bus = openBus({ baseUrl: proxy.url, maxSilenceMs: 300, pongTimeoutMs: 300 });
  bus.start();
  await until("online", () => bus.state === "online", [bus]);

  const frozenAt = Date.now();
  proxy.freeze();
  await nextEvent(bus, "state", (s) => s === "offline", 5_000);
  // Noticed by max-silence + PONG timeout (0.6 s), long before the poll's own 10 s request timeout.
  expect(Date.now() - frozenAt).toBeLessThan(3_000);

  const cameBack = nextEvent(bus, "state", (s) => s === "online", 5_000);
  await proxy.restore();
  await cameBack;
});

test("stop() aborts the held poll or the open stream, and every request in flight", async () => {
  const server = await testServer({ pollTimeout: 30 });
  cleanups.push(() => server.close(500));
  const requests: Array<{ url: string; signal: AbortSignal; settled: boolean }> = [];
  const recordingFetch: typeof fetch = (input, init) => {
    const request = { url: String(input), signal: init!.signal!, settled: false };
    requests.push(request);
    return fetch(input, init).finally(() => (request.settled = true));
  };
  // A stream's fetch settles with its headers; its body is read until the signal aborts it.
  const inFlight = (r: (typeof requests)[number]) => !r.settled || r.url.includes("/longpolling/stream?");
  const open = (r: (typeof requests)[number]) => inFlight(r) && !r.signal.aborted;
  const bus = openBus({ baseUrl: server.url, pollRequestTimeoutMs: 60_000, fetch: recordingFetch });
  bus.start();
  await until("online", () => bus.state === "online", [bus]);
  await until("a poll or stream is held", () => requests.some((r) => /\/longpolling\/(poll$|stream\?)/.test(r.url) && open(r)));
  bus.stop();
  expect(bus.isRunning).toBe(false);
  expect(requests.filter(inFlight).every((r) => r.signal.aborted)).toBe(true);
  await until("every request settled", () => requests.every((r) => r.settled), [], 2_000);
});

describe("the stream and its fallback", () => {
  /** A fetch through which the stream route answers `streamAnswer` (an older server, a proxy that passes only POST). */
  function fetchWithoutStream(streamAnswer: () => Promise<Response>): { fetch: typeof fetch; streamAttempts: () => number } {
    let attempts = 0;
    return {
      fetch: (input, init) => {
        if (!String(input).includes("/longpolling/stream?")) return fetch(input, init);
        attempts++;
        return streamAnswer();
      },
      streamAttempts: () => attempts,
    };
  }

  test("prefers the stream, and carries the PONG over it", async () => {
    const server = await testServer();
    cleanups.push(() => server.close(500));
    const bus = openBus({ baseUrl: server.url, transport: "auto" });
    const pongs: Notification[] = [];
    bus.addChannelCallback("pos.longpolling", (_m, n) => pongs.push(n));
    bus.start();
    await until("the PONG", () => pongs.length > 0, [bus]);
    expect(bus.transport).toBe("stream");
    expect(server.bus.heldPolls).toBe(1);
  });

  test("long-polls at once, without an error, when the stream route answers 404", async () => {
    const server = await testServer();
    cleanups.push(() => server.close(500));
    const { fetch: noStream, streamAttempts } = fetchWithoutStream(async () => new Response('{"error":"no route"}', { status: 404 }));
    const bus = openBus({ baseUrl: server.url, transport: "auto", fetch: noStream });
    const errors: unknown[] = [];
    cleanups.push(bus.on("error", (error) => errors.push(error)));
    const pongs: unknown[] = [];
    bus.addChannelCallback("pos.longpolling", (message) => pongs.push(message));
    bus.start();
    await until("online with the PONG", () => bus.state === "online" && pongs.length > 0, [bus]);
    expect(bus.transport).toBe("poll");
    expect(streamAttempts()).toBe(1);
    expect(errors).toEqual([]);
  });

  test("long-polls after repeated stream failures, and tries the stream again later", async () => {
    const server = await testServer();
    cleanups.push(() => server.close(500));
    const { fetch: brokenStream, streamAttempts } = fetchWithoutStream(() => Promise.reject(new TypeError("fetch failed")));
    const bus = openBus({ baseUrl: server.url, transport: "auto", fetch: brokenStream, streamAttempts: 2, streamRetryMs: 1500 });
    const pongs: unknown[] = [];
    bus.addChannelCallback("pos.longpolling", (message) => pongs.push(message));
    bus.start();
    await until("online over the long-poll", () => bus.state === "online" && pongs.length > 0 && bus.transport === "poll", [bus]);
    expect(streamAttempts()).toBe(2);
    // The held poll answers within the server's 2 s poll timeout; the next connection tries the stream.
    await until("the stream tried again", () => streamAttempts() > 2, [bus], 6_000);
  });

  test("a channel added while streaming reopens the stream from the same cursor", async () => {
    const server = await testServer();
    cleanups.push(() => server.close(500));
    const bus = openBus({ baseUrl: server.url, transport: "stream" });
    bus.start();
    await until("online", () => bus.state === "online" && bus.last > 0, [bus]);
    const cursor = bus.last;
    const seen: Notification[] = [];
    bus.addChannelCallback("pos_partner_sync", (_m, n) => seen.push(n));
    // Sent whether or not the new stream is open yet: it starts from the cursor, so it gets it either way.
    await server.push.sendToChannelById(DB, 2, "pos_partner_sync", { partner: 7 });
    await until("the partner update", () => seen.length === 1, [bus]);
    expect(seen[0]!.id).toBeGreaterThan(cursor);
  });
});
