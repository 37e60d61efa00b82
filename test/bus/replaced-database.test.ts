import { copyFileSync } from "node:fs";
import { afterEach, describe, expect, test } from "vitest";
import { idFloorAt } from "../../src/db/id-floor.ts";
import { call, channel } from "../helpers/rpc.ts";
import { Poller } from "../helpers/poller.ts";
import { startServer, tempDbPath, type TestServer } from "../helpers/server.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const pong = channel("shop1", "pos.longpolling", 7);
const ping = (url: string) => call(`${url}/pos_longpolling/update`, { message: "PING", pos_id: 7, db_name: "shop1" });
const send = (url: string, text: string) =>
  call(`${url}/pos_multi_session_sync/update`, { multi_session_id: 1, dbname: "shop1", user_ID: 1, message: { action: "note", data: { text } } });

/** A terminal that read everything the server had, and keeps its cursor while the server is replaced. */
async function terminalCaughtUp(url: string): Promise<Poller> {
  const terminal = new Poller(url, [pong]);
  await ping(url);
  await ping(url);
  await terminal.pollOnce({ peek: true });
  expect(terminal.received.length).toBeGreaterThanOrEqual(2);
  return terminal;
}

/** The same terminal (same cursor) talking to the restarted server. */
function reconnect(terminal: Poller, url: string): Poller {
  const again = new Poller(url, terminal.channels);
  again.last = terminal.last;
  return again;
}

describe("no cursor is stuck after the database is replaced", () => {
  test("restarted on a fresh file, a terminal holding a high cursor gets what was sent while it was away, once", async () => {
    server = await startServer();
    const away = await terminalCaughtUp(server.url);
    await server.close();

    server = await startServer({}, { dbPath: tempDbPath() });
    await ping(server.url);
    await ping(server.url);
    const terminal = reconnect(away, server.url);
    const caughtUp = await terminal.pollOnce({ peek: true });
    expect(caughtUp.map((n) => n.message)).toEqual(["PONG", "PONG"]);
    expect(caughtUp[0]!.id).toBeGreaterThan(away.last);
    expect(await terminal.pollOnce({ peek: true })).toEqual([]);
    await ping(server.url);
    expect((await terminal.pollOnce()).map((n) => n.id)).toEqual([caughtUp[1]!.id + 1]);
  });

  test("restored from an older backup, ids start above every cursor handed out before", async () => {
    // A poll timeout longer than the test: last=0 must see the backup's notification however slow the machine.
    server = await startServer({ pollTimeout: 120 });
    const { dbPath } = server;
    await ping(server.url);
    await server.close();
    const backup = `${dbPath}.backup`;
    copyFileSync(dbPath, backup);

    server = await startServer({ pollTimeout: 120 }, { dbPath });
    const away = await terminalCaughtUp(server.url);
    await server.close();
    copyFileSync(backup, dbPath);

    server = await startServer({ pollTimeout: 120 }, { dbPath });
    await send(server.url, "while away");
    await ping(server.url);
    const terminal = reconnect(away, server.url);
    const caughtUp = await terminal.pollOnce({ peek: true });
    expect(caughtUp.map((n) => n.message)).toEqual(["PONG"]);
    expect(caughtUp[0]!.id).toBeGreaterThan(away.last);
    expect(await terminal.pollOnce({ peek: true })).toEqual([]);
    // A poll from scratch still sees the backup's own notification: nothing of it was lost.
    expect(await new Poller(server.url, [pong]).pollOnce({ peek: true })).toHaveLength(2);
  });

  test("the floor moves with the clock and stays an exact number for centuries", () => {
    const now = Date.parse("2026-11-28T05:00:00Z");
    expect(idFloorAt(now + 1)).toBeGreaterThan(idFloorAt(now));
    expect(Number.isSafeInteger(idFloorAt(Date.parse("2250-01-01T00:00:00Z")))).toBe(true);
    expect(() => idFloorAt(Date.parse("2300-01-01T00:00:00Z"))).toThrow(RangeError);
  });
});
