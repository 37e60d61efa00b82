import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { READ_STEP_ROWS } from "../../src/db/sqlite/channel-reads.ts";
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

/**
 * How many times SQLite statements run during `work`: better-sqlite3's own Statement methods,
 * counted. Each execution is a step of a read (a key lookup, or a walk of a range of rows).
 */
async function countStatementRuns<T>(work: () => Promise<T>): Promise<{ result: T; runs: number }> {
  const probe = new Database(":memory:");
  const prototype = Object.getPrototypeOf(probe.prepare("SELECT 1")) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  const methods = ["get", "all", "iterate", "run"] as const;
  const originals = methods.map((name) => prototype[name]!);
  let runs = 0;
  methods.forEach((name, k) => {
    prototype[name] = function (this: unknown, ...args: unknown[]) {
      runs++;
      return originals[k]!.apply(this, args);
    };
  });
  try {
    const result = await work();
    return { result, runs };
  } finally {
    methods.forEach((name, k) => {
      prototype[name] = originals[k]!;
    });
  }
}

describe("a channel's notifications without a channel index in the table", () => {
  test("a catch-up longer than one step returns every notification of the channels, in id order, up to the committed id", async () => {
    const store = open(":memory:");
    const ids = await send(store, 3 * READ_STEP_ROWS + 7, ["a", "b", "c"]);
    const last = ids[ids.length - 1]!;
    const found = await store.notificationsAfter(["c", "a"], ids[2]!, last - 1);
    const expected = ids.filter((id, i) => id > ids[2]! && id <= last - 1 && i % 3 !== 1);
    expect(found.map((n) => n.id)).toEqual(expected);
    expect(new Set(found.map((n) => n.channel))).toEqual(new Set(["a", "c"]));
  });

  test("steps yield to the event loop: a timer set before a long catch-up fires before it ends", async () => {
    const store = open(":memory:");
    const ids = await send(store, 4 * READ_STEP_ROWS, ["a"]);
    const order: string[] = [];
    const timer = new Promise<void>((resolve) => setImmediate(() => resolve(void order.push("other work"))));
    const read = store.notificationsAfter(["a"], 0, ids[ids.length - 1]!).then(() => void order.push("read"));
    await Promise.all([timer, read]);
    expect(order).toEqual(["other work", "read"]);
  });

  test("since a time: only what was created at or after it", async () => {
    const store = open(":memory:");
    await send(store, 5, ["a", "b"], 1000);
    const recent = await send(store, 4, ["a", "b"], 2000);
    const found = await store.notificationsCreatedSince(["a"], 1500, recent[3]!);
    expect(found.map((n) => n.id)).toEqual([recent[0], recent[2]]);
    expect(await store.notificationsCreatedSince(["a"], 3000, recent[3]!)).toEqual([]);
    expect((await store.notificationsCreatedSince(["b"], 0, recent[3]!)).length).toBe(4);
  });

  test("a quiet channel's last=0 poll and an old cursor's catch-up take the same steps with 10,000 or 200,000 other shops' notifications in the window", async () => {
    const steps = async (others: number) => {
      const store = open(":memory:");
      const [early] = await send(store, 1, ['["quiet","pos.multi_session","1"]'], 1000);
      await send(store, others, ['["busy","pos.multi_session","1"]', '["busy","pos.multi_session","2"]'], 2000);
      const [late] = await send(store, 1, ['["quiet","pos.multi_session","1"]'], 2000);
      const last = late!;
      const quiet = ['["quiet","pos.multi_session","1"]', '["quiet","pos.longpolling","1"]'];
      const firstPoll = await countStatementRuns(() => store.notificationsCreatedSince(quiet, 1500, last));
      const catchUp = await countStatementRuns(() => store.notificationsAfter(quiet, 0, last));
      expect(firstPoll.result.map((n) => n.id)).toEqual([late]);
      expect(catchUp.result.map((n) => n.id)).toEqual([early, late]);
      return { firstPoll: firstPoll.runs, catchUp: catchUp.runs };
    };
    const few = await steps(10_000);
    const many = await steps(200_000);
    // The walk of the window this replaces took one step per 5,000 ids: 40 more with 200,000.
    // What remains of the table's size is the binary search for the window's first id (log2).
    expect(many.firstPoll - few.firstPoll).toBeLessThanOrEqual(6);
    expect(many.catchUp).toBe(few.catchUp);
    expect(many.catchUp).toBeLessThanOrEqual(2);
  });

  test("what a rolled-back transaction inserted is never indexed; a reopened store finds every stored notification again; GC forgets", async () => {
    const path = tempDbPath();
    const store = open(path);
    const kept = await send(store, 3, ["a", "b"]);
    await expect(
      store.transaction(async (tx) => {
        tx.insertNotifications([{ channel: "a", message: "rolled back" }], 1000);
        throw new Error("refused");
      }),
    ).rejects.toThrow("refused");
    const later = await send(store, 2, ["a"], 5000);
    expect((store as unknown as { channels: { size: number } }).channels.size).toBe(5);
    await stores.pop()!.close();
    const reopened = open(path);
    expect((await reopened.notificationsAfter(["a"], 0, later[1]!)).map((n) => n.id)).toEqual([kept[0], kept[2], ...later]);
    await reopened.deleteNotificationsUpTo(1000);
    expect((reopened as unknown as { channels: { size: number } }).channels.size).toBe(2);
    expect((await reopened.notificationsAfter(["a", "b"], 0, later[1]!)).map((n) => n.id)).toEqual(later);
  });
});
