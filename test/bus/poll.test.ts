import { afterEach, describe, expect, test } from "vitest";
import { call, channel, rpc } from "../helpers/rpc.ts";
import { Poller } from "../helpers/poller.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { runSqlOn } from "../helpers/test-store.ts";
import { ManualClock, waitFor } from "../helpers/wait.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const pong = (posId: number) => channel("shop1", "pos.longpolling", posId);
const ping = (url: string, posId: number, db = "shop1") => call(`${url}/pos_longpolling/update`, { message: "PING", pos_id: posId, db_name: db });

describe("the long-poll bus", () => {
  test("the POS's first poll, its pos.multi_session and pos.longpolling channels together with last=0, is answered", async () => {
    server = await startServer();
    const channels = [channel("z1", "pos.multi_session", 7), channel("z1", "pos.longpolling", 7)];
    const reply = await rpc(`${server.url}/longpolling/poll`, { channels, last: 0, options: { peek: true } });
    expect(reply).toEqual({ status: 200, body: expect.objectContaining({ result: [] }) });
    expect(await server.store.knownTerminals("z1")).toEqual(["7"]);
  });

  test("a poll naming the channels of two databases: refused naming channels on PostgreSQL (ids are counted per database), answered on SQLite; nothing is remembered when refused", async () => {
    server = await startServer();
    await ping(server.url, 7, "shop2");
    const channels = [pong(7), channel("shop2", "pos.longpolling", 7)];
    const reply = await rpc(`${server.url}/longpolling/poll`, { channels, last: 0, options: { peek: true } });
    if (server.store.kind === "postgres") {
      expect(reply.body.error?.data?.message).toMatch(/^Invalid params: channels: a poll names the channels of one database only/);
      expect(await server.store.knownTerminals("shop1")).toEqual([]);
    } else {
      expect(reply.body.result).toEqual([expect.objectContaining({ message: "PONG" })]);
    }
  });

  test("a poll is answered when remembering its terminal fails, and the next poll remembers it", async () => {
    server = await startServer();
    await runSqlOn(server.dbPath, "ALTER TABLE known_terminals RENAME TO known_terminals_away");
    await ping(server.url, 7);
    const reply = await rpc(`${server.url}/longpolling/poll`, { channels: [pong(7)], last: 0, options: { peek: true } });
    expect(reply.status).toBe(200);
    expect(reply.body.result).toEqual([expect.objectContaining({ message: "PONG" })]);
    await runSqlOn(server.dbPath, "ALTER TABLE known_terminals_away RENAME TO known_terminals");
    await new Poller(server.url, [pong(7)]).pollOnce({ peek: true });
    expect(await server.store.knownTerminals("shop1")).toEqual(["7"]);
  });

  test("PING answers 1 and sends PONG to the terminal's pos.longpolling channel", async () => {
    server = await startServer();
    expect(await ping(server.url, 7)).toBe(1);
    const batch = await new Poller(server.url, [pong(7)]).pollOnce({ peek: true });
    expect(batch).toEqual([{ id: expect.any(Number), channel: pong(7), message: "PONG" }]);
  });

  test("last=0 returns what the channels got within the poll timeout, and nothing older", async () => {
    const clock = new ManualClock();
    server = await startServer({ pollTimeout: 2 }, { clock });
    await ping(server.url, 1);
    const [old] = await new Poller(server.url, [pong(1)]).pollOnce({ peek: true });
    clock.advance(2500);
    await ping(server.url, 1);
    await ping(server.url, 2);
    const batch = await new Poller(server.url, [pong(1)]).pollOnce();
    expect(batch).toHaveLength(1);
    expect(batch[0]!.channel).toBe(pong(1));
    expect(batch[0]!.id).toBe(old!.id + 1);
  });

  test("last>0 returns the notifications after it on the polled channels, in ascending id order", async () => {
    server = await startServer();
    for (const posId of [1, 2, 1, 3, 1]) await ping(server.url, posId);
    const first = (await new Poller(server.url, [pong(1)]).pollOnce({ peek: true }))[0]!.id;
    const poller = new Poller(server.url, [pong(1), pong(3)]);
    poller.last = first;
    const batch = await poller.pollOnce();
    expect(batch.map((n) => n.id)).toEqual([first + 2, first + 3, first + 4]);
    expect(batch.map((n) => n.channel)).toEqual([pong(1), pong(3), pong(1)]);
  });

  test("peek answers at once, also with nothing to say", async () => {
    server = await startServer({ pollTimeout: 30 });
    const started = Date.now();
    expect(await new Poller(server.url, [pong(1)]).pollOnce({ peek: true })).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(server.bus.heldPolls).toBe(0);
  });

  test("a held poll answers [] when the poll timeout passes", async () => {
    server = await startServer({ pollTimeout: 0.3 });
    expect(await new Poller(server.url, [pong(1)]).pollOnce()).toEqual([]);
    expect(server.bus.heldPolls).toBe(0);
  });

  test("a held poll wakes on a send to its channel, and not on a send to another channel", async () => {
    server = await startServer({ pollTimeout: 20 });
    const poller = new Poller(server.url, [pong(1)]);
    let answered = false;
    const held = poller.pollOnce().finally(() => (answered = true));
    await waitFor(() => server!.bus.heldPolls === 1, "the poll to be held");
    await ping(server.url, 2);
    await ping(server.url, 1, "shop2");
    expect(answered).toBe(false);
    const sentAt = performance.now();
    await ping(server.url, 1);
    const batch = await held;
    const wakeMs = performance.now() - sentAt;
    expect(batch.map((n) => n.channel)).toEqual([pong(1)]);
    expect(wakeMs).toBeLessThan(1000);
  });

  test("1,000 held polls released by sends each get exactly their own notifications", { timeout: 90_000 }, async () => {
    server = await startServer({ pollTimeout: 60, maxPollsPerClient: 2000 });
    const pollers = Array.from({ length: 1000 }, (_, i) => new Poller(server!.url, [pong(i)]));
    const held = pollers.map((poller) => poller.pollOnce());
    await waitFor(() => server!.bus.heldPolls === 1000, "1,000 held polls", 20_000);
    for (let i = 0; i < 1000; i += 100) await Promise.all(pollers.slice(i, i + 100).map((_, j) => ping(server!.url, i + j)));
    const batches = await Promise.all(held);
    batches.forEach((batch, i) => {
      expect(batch).toHaveLength(1);
      expect(batch[0]).toMatchObject({ channel: pong(i), message: "PONG" });
    });
    expect(new Set(batches.map((batch) => batch[0]!.id)).size).toBe(1000);
    expect(server.bus.heldPolls).toBe(0);
  });

  test("a poll whose client disconnects leaves no waiter behind", async () => {
    server = await startServer({ pollTimeout: 30 });
    const controller = new AbortController();
    const poll = rpc(`${server.url}/longpolling/poll`, { channels: [pong(1)], last: 0 }, { signal: controller.signal });
    await waitFor(() => server!.bus.heldPolls === 1, "the poll to be held");
    controller.abort();
    await expect(poll).rejects.toThrow();
    await waitFor(() => server!.bus.heldPolls === 0, "the waiter to be freed", 2000);
  });

  test("ids keep increasing after a restart on the same file, also when GC emptied the table", async () => {
    server = await startServer({ testFeatures: true });
    await ping(server.url, 1);
    await ping(server.url, 1);
    const deleted = await call<number[]>(`${server.url}/pos_multi_session/test/gc`, {});
    expect(deleted).toEqual([deleted[0], deleted[0]! + 1]);
    const { dbPath } = server;
    await server.close();
    server = await startServer({}, { dbPath });
    await ping(server.url, 1);
    const batch = await new Poller(server.url, [pong(1)]).pollOnce({ peek: true });
    expect(batch).toHaveLength(1);
    expect(batch[0]!.id).toBeGreaterThan(deleted[1]!);
  });

  test("retention GC removes exactly the notifications older than the retention period", async () => {
    const clock = new ManualClock();
    server = await startServer({ retention: 10, gcInterval: 0.05, pollTimeout: 60 }, { clock });
    await ping(server.url, 1);
    const peek = () => new Poller(server!.url, [pong(1)]).pollOnce({ peek: true });
    const [old] = await peek();
    clock.advance(6000);
    await ping(server.url, 1);
    clock.advance(4001);
    await waitFor(async () => (await peek()).length === 1, "the old notification to be collected", 3000);
    expect((await peek()).map((n) => n.id)).toEqual([old!.id + 1]);
  });

  test("shutdown answers held polls with []", async () => {
    server = await startServer({ pollTimeout: 30 });
    const held = new Poller(server.url, [pong(1)]).pollOnce();
    await waitFor(() => server!.bus.heldPolls === 1, "the poll to be held");
    await server.close();
    server = undefined;
    expect(await held).toEqual([]);
  });

  test("/longpolling/send is refused without the backend key and writes nothing", async () => {
    server = await startServer();
    const reply = await rpc(`${server.url}/longpolling/send`, { channel: pong(1), message: "hi" });
    expect(reply.body.error?.data?.exception_type).toBe("access_denied");
    expect(await new Poller(server.url, [pong(1)]).pollOnce({ peek: true })).toEqual([]);
  });
});
