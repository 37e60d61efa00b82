import { afterEach, describe, expect, test } from "vitest";
import { SqliteStore } from "../../src/db/sqlite/store.ts";
import { tempDbPath } from "../helpers/server.ts";

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const note = (channel: string) => ({ channel, message: JSON.stringify(channel) });

describe("the SQLite store's group commit", () => {
  test("transactions of one turn commit together, a failing one is rolled back alone", async () => {
    store = new SqliteStore(tempDbPath());
    const committed: string[] = [];
    const results = await Promise.allSettled([
      store.transaction(
        async (tx) => tx.insertNotifications([note("a")], 1),
        () => committed.push("a"),
      ),
      store.transaction(
        async (tx) => {
          await tx.insertNotifications([note("b")], 1);
          throw new Error("b fails after writing");
        },
        () => committed.push("b"),
      ),
      store.transaction(
        async (tx) => tx.insertNotifications([note("c")], 1),
        () => committed.push("c"),
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(committed).toEqual(["a", "c"]);
    const stored = await store.notificationsAfter(["a", "b", "c"], 0, 100);
    expect(stored.map((n) => n.channel)).toEqual(["a", "c"]);
  });

  test("a transaction resolves only after its commit, and after-commit callbacks run in commit order", async () => {
    store = new SqliteStore(tempDbPath());
    const events: string[] = [];
    const first = store.transaction(
      async (tx) => tx.insertNotifications([note("x")], 1),
      () => events.push("commit 1"),
    );
    const second = store.transaction(
      async (tx) => tx.insertNotifications([note("x")], 1),
      () => events.push("commit 2"),
    );
    await first.then(() => events.push("resolved 1"));
    await second.then(() => events.push("resolved 2"));
    expect(events).toEqual(["commit 1", "commit 2", "resolved 1", "resolved 2"]);
  });

  test("reads stop at the id the caller knows committed, even while a batch is open", async () => {
    store = new SqliteStore(tempDbPath());
    await store.transaction(async (tx) => tx.insertNotifications([note("x")], 1));
    const pending = store.transaction(async (tx) => tx.insertNotifications([note("x")], 1));
    expect((await store.notificationsAfter(["x"], 0, 1)).map((n) => n.id)).toEqual([1]);
    expect((await store.notificationsCreatedSince(["x"], 0, 1)).map((n) => n.id)).toEqual([1]);
    await pending;
    expect((await store.notificationsAfter(["x"], 0, 2)).map((n) => n.id)).toEqual([1, 2]);
  });

  test("close commits what is pending first", async () => {
    const path = tempDbPath();
    store = new SqliteStore(path);
    const pending = store.transaction(async (tx) => tx.insertNotifications([note("x")], 1));
    await store.close();
    await pending;
    store = new SqliteStore(path);
    expect(await store.lastCommittedId("")).toBe(1);
  });
});
