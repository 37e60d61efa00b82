import { afterEach, describe, expect, test } from "vitest";
import { SCAN_STEP_IDS, scanChannels } from "../../src/db/sqlite/channel-scan.ts";
import { SqliteStore } from "../../src/db/sqlite/store.ts";
import { tempDbPath } from "../helpers/server.ts";

let stores: SqliteStore[] = [];
afterEach(async () => {
  for (const store of stores) await store.close();
  stores = [];
});

function open(path: string, idFloor?: number): SqliteStore {
  const store = new SqliteStore(path, idFloor === undefined ? {} : { idFloor });
  stores.push(store);
  return store;
}

/** `count` notifications, round robin over `channels`, created at `createdAt`; returns their ids. */
async function send(store: SqliteStore, count: number, channels: readonly string[], createdAt = 1000): Promise<number[]> {
  const items = Array.from({ length: count }, (_, i) => ({ channel: channels[i % channels.length]!, message: String(i) }));
  const sent = await store.transaction(async (tx) => tx.insertNotifications(items, createdAt));
  return sent.map((n) => n.id);
}

describe("a channel's notifications without a channel index", () => {
  test("a catch-up longer than one step returns every notification of the channels, in id order, up to the committed id", async () => {
    const store = open(":memory:");
    const ids = await send(store, 3 * SCAN_STEP_IDS + 7, ["a", "b", "c"]);
    const last = ids[ids.length - 1]!;
    const found = await store.notificationsAfter(["c", "a"], ids[2]!, last - 1);
    const expected = ids.filter((id, i) => id > ids[2]! && id <= last - 1 && i % 3 !== 1);
    expect(found.map((n) => n.id)).toEqual(expected);
    expect(new Set(found.map((n) => n.channel))).toEqual(new Set(["a", "c"]));
  });

  test("steps yield to the event loop: a timer set before a long catch-up fires before it ends", async () => {
    const store = open(":memory:");
    const ids = await send(store, 4 * SCAN_STEP_IDS, ["a"]);
    const order: string[] = [];
    const timer = new Promise<void>((resolve) => setImmediate(() => resolve(void order.push("other work"))));
    const scan = store.notificationsAfter(["a"], 0, ids[ids.length - 1]!).then(() => void order.push("scan"));
    await Promise.all([timer, scan]);
    expect(order).toEqual(["other work", "scan"]);
  });

  test("a jump in ids (a restart above the id floor) is crossed with one lookup, not a step per empty range", async () => {
    const path = tempDbPath();
    const before = await send(open(path), 3, ["a"]);
    await stores.pop()!.close();
    const jumped = before[2]! + 1_000_000 * SCAN_STEP_IDS;
    const store = open(path, jumped);
    const after = await send(store, 3, ["a"]);
    expect(after[0]).toBe(jumped + 1);
    let steps = 0;
    const statements = (store as unknown as { statements: Parameters<typeof scanChannels>[0] }).statements;
    const read = <T>(query: () => T) => {
      steps += 1;
      return Promise.resolve(query());
    };
    const found = await scanChannels(statements, read, ["a"], 0, after[2]!);
    expect(found.map((n) => n.id)).toEqual([...before, ...after]);
    expect(steps).toBe(2);
  });

  test("since a time: only what was created at or after it, found by the key's order, not a channel index", async () => {
    const store = open(":memory:");
    await send(store, 5, ["a", "b"], 1000);
    const recent = await send(store, 4, ["a", "b"], 2000);
    const found = await store.notificationsCreatedSince(["a"], 1500, recent[3]!);
    expect(found.map((n) => n.id)).toEqual([recent[0], recent[2]]);
    expect(await store.notificationsCreatedSince(["a"], 3000, recent[3]!)).toEqual([]);
    expect((await store.notificationsCreatedSince(["b"], 0, recent[3]!)).length).toBe(4);
  });
});
