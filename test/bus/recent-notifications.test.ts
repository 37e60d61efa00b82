import { afterEach, describe, expect, test } from "vitest";
import { Bus } from "../../src/bus/bus.ts";
import { RecentNotifications } from "../../src/bus/recent-notifications.ts";
import { SqliteStore } from "../../src/db/sqlite/store.ts";
import { tempDbPath } from "../helpers/server.ts";

const n = (id: number, channel: string) => ({ id, channel, message: `"${id}"` });

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

describe("recent notifications in memory", () => {
  test("answer from memory above the floor, merged in id order, and decline below it", () => {
    const recent = new RecentNotifications(10, 100);
    recent.add([n(11, "a"), n(12, "b"), n(13, "a"), n(14, "c")]);
    expect(recent.after(["a", "b"], 10)!.map((x) => x.id)).toEqual([11, 12, 13]);
    expect(recent.after(["a", "b"], 12)!.map((x) => x.id)).toEqual([13]);
    expect(recent.after(["z"], 10)).toEqual([]);
    expect(recent.after(["a"], 9)).toBeUndefined();
  });

  test("evicting the oldest past capacity raises the floor", () => {
    const recent = new RecentNotifications(0, 2);
    recent.add([n(1, "a"), n(2, "a"), n(3, "b")]);
    expect(recent.after(["a"], 0)).toBeUndefined();
    expect(recent.after(["a", "b"], 1)!.map((x) => x.id)).toEqual([2, 3]);
  });

  test("forgetting what the database deleted", () => {
    const recent = new RecentNotifications(0, 100);
    recent.add([n(1, "a"), n(2, "a"), n(3, "a")]);
    recent.forgetUpTo(2);
    expect(recent.after(["a"], 1)).toBeUndefined();
    expect(recent.after(["a"], 2)!.map((x) => x.id)).toEqual([3]);
  });
});

describe("a last=0 poll's time window from memory", () => {
  test("answers the window when memory holds it whole, in id order, and declines a window reaching before what it holds", () => {
    const recent = new RecentNotifications(10, 100, 1000);
    recent.add([n(11, "a"), n(12, "b")], 1500);
    recent.add([n(13, "a")], 2000);
    recent.add([n(14, "a"), n(15, "b")], 2500);
    expect(recent.createdSince(["a", "b"], 2000)!.map((x) => x.id)).toEqual([13, 14, 15]);
    expect(recent.createdSince(["a"], 1001)!.map((x) => x.id)).toEqual([11, 13, 14]);
    expect(recent.createdSince(["a"], 3000)).toEqual([]);
    expect(recent.createdSince(["a"], 1000)).toBeUndefined();
  });

  test("eviction moves the start of what memory holds whole to the evicted one's time", () => {
    const recent = new RecentNotifications(0, 2, 100);
    recent.add([n(1, "a")], 200);
    recent.add([n(2, "a")], 300);
    recent.add([n(3, "a")], 400);
    expect(recent.createdSince(["a"], 200)).toBeUndefined();
    expect(recent.createdSince(["a"], 201)!.map((x) => x.id)).toEqual([2, 3]);
  });

  test("without a start time (no clock) it never answers by time", () => {
    const recent = new RecentNotifications(0, 10);
    recent.add([n(1, "a")], 500);
    expect(recent.createdSince(["a"], 400)).toBeUndefined();
  });
});

describe("the bus answers re-polls from memory and older cursors from the database, the same way", () => {
  test("every cursor gets exactly what the database holds after it", async () => {
    store = new SqliteStore(tempDbPath());
    const bus = await Bus.open(store, { pollTimeoutMs: 100, recentCapacity: 3 });
    for (let i = 0; i < 10; i++) await bus.send(i % 2 ? "odd" : "even", i);
    for (let last = 1; last < 10; last++) {
      const fromBus = await bus.poll(["odd", "even"], last, { peek: true });
      const fromDb = await store.notificationsAfter(["odd", "even"], last, 10);
      expect(fromBus).toEqual(fromDb);
    }
    const window = await bus.poll(["odd", "even"], 0, { peek: true });
    expect(window).toEqual(await store.notificationsCreatedSince(["odd", "even"], 0, 10));
    expect(window).toHaveLength(10);
    expect(await bus.deleteUpTo(Date.now())).toHaveLength(10);
    expect(await bus.poll(["odd"], 8, { peek: true })).toEqual([]);
  });
});

describe("a last=0 poll answered from memory", () => {
  test("once the bus has run for a poll timeout, the window comes from memory and equals the database's", async () => {
    store = new SqliteStore(tempDbPath());
    let now = 1_000_000;
    const bus = await Bus.open(store, { pollTimeoutMs: 100 }, { now: () => now });
    now += 150;
    for (let i = 0; i < 6; i++) {
      await bus.send(i % 2 ? "odd" : "even", i);
      now += 10;
    }
    const fromDb = await store.notificationsCreatedSince(["odd"], now - 100, Number.MAX_SAFE_INTEGER);
    await store.close();
    store = undefined;
    // The store is closed: only memory can answer.
    expect(await bus.poll(["odd"], 0, { peek: true })).toEqual(fromDb);
    expect(fromDb.map((n) => n.message)).toEqual(["1", "3", "5"]);
  });
});
