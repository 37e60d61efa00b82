import { afterEach, describe, expect, test } from "vitest";
import { SqliteStore } from "../../src/db/sqlite/store.ts";
import { tempDbPath } from "../helpers/server.ts";

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const insertAt = (s: SqliteStore, createdAt: number, fail = false) =>
  s.transaction(async (tx) => {
    await tx.insertNotifications([{ channel: "c", message: "1" }], createdAt);
    if (fail) throw new Error("rolled back");
  });

describe("notification ids and age", () => {
  test("deleting by age finds exactly the notifications up to the cut-off, across gaps left by rolled-back writes", async () => {
    store = new SqliteStore(tempDbPath());
    for (const [at, fail] of [
      [1, false],
      [1, false],
      [2, true],
      [2, false],
      [3, false],
      [5, true],
      [5, false],
      [8, false],
    ] as const) {
      await insertAt(store, at, fail).catch(() => undefined);
    }
    expect((await store.notificationsAfter(["c"], 0, 100)).map((n) => n.id)).toEqual([1, 2, 4, 5, 7, 8]);
    expect(await store.deleteNotificationsUpTo(0)).toEqual([]);
    expect(ids(await store.deleteNotificationsUpTo(3))).toEqual([1, 2, 4, 5]);
    expect(ids(await store.deleteNotificationsUpTo(6))).toEqual([7]);
    expect(ids(await store.deleteNotificationsUpTo(100))).toEqual([8]);
    expect(await store.deleteNotificationsUpTo(100)).toEqual([]);
  });

  test("a clock that goes back does not make newer notifications look older", async () => {
    store = new SqliteStore(tempDbPath());
    await insertAt(store, 10);
    await insertAt(store, 5);
    expect(await store.deleteNotificationsUpTo(7)).toEqual([]);
    expect(ids(await store.deleteNotificationsUpTo(10))).toEqual([1, 2]);
  });

  test("ids continue after a restart, also when every notification was deleted", async () => {
    const path = tempDbPath();
    store = new SqliteStore(path);
    await insertAt(store, 1);
    await insertAt(store, 1);
    expect(ids(await store.deleteNotificationsUpTo(1))).toEqual([1, 2]);
    await store.close();
    store = new SqliteStore(path);
    expect(await store.lastCommittedId("")).toBe(2);
    await insertAt(store, 2);
    expect((await store.notificationsAfter(["c"], 0, 100)).map((n) => n.id)).toEqual([3]);
  });
});

describe("an in-memory store", () => {
  test("works without a file (no WAL, no checkpointer)", async () => {
    store = new SqliteStore(":memory:");
    await insertAt(store, 1);
    expect((await store.notificationsAfter(["c"], 0, 10)).map((n) => n.id)).toEqual([1]);
    expect(await store.isHealthy()).toBe(true);
  });
});

function ids(deleted: readonly { id: number }[]): number[] {
  return deleted.map((row) => row.id);
}
