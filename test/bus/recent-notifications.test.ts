import { afterEach, describe, expect, test } from "vitest";
import { Bus } from "../../src/bus/bus.ts";
import { RecentNotifications } from "../../src/bus/recent-notifications.ts";
import { SqliteStore } from "../../src/db/sqlite/store.ts";
import { tempDbPath } from "../helpers/server.ts";

const n = (id: number, channel: string) => ({ id, channel, message: `"${id}"` });

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

describe("the bus answers re-polls from memory and older cursors from the database, the same way", () => {
  let store: SqliteStore | undefined;
  afterEach(async () => {
    await store?.close();
  });

  test("every cursor gets exactly what the database holds after it", async () => {
    store = new SqliteStore(tempDbPath());
    const bus = await Bus.open(store, { pollTimeoutMs: 100, recentCapacity: 3 });
    for (let i = 0; i < 10; i++) await bus.send(i % 2 ? "odd" : "even", i);
    for (let last = 1; last < 10; last++) {
      const fromBus = await bus.poll(["odd", "even"], last, { peek: true });
      const fromDb = await store.notificationsAfter(["odd", "even"], last, 10);
      expect(fromBus).toEqual(fromDb);
    }
    expect(await bus.deleteUpTo(Date.now())).toHaveLength(10);
    expect(await bus.poll(["odd"], 8, { peek: true })).toEqual([]);
  });
});
