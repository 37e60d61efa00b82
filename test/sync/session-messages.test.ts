import { afterEach, describe, expect, test } from "vitest";
import { PostgresStore } from "../../src/db/postgres/store.ts";
import { SqliteStore } from "../../src/db/sqlite/store.ts";
import type { Store, Terminal } from "../../src/db/store.ts";
import { CHANNEL, channelOf } from "../../src/protocol/channels.ts";
import { tempDb, testStore } from "../helpers/test-store.ts";

let store: Store | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

async function openTestStore(): Promise<Store> {
  const url = await tempDb();
  store = testStore === "sqlite" ? new SqliteStore(url) : await PostgresStore.open({ url, poolSize: 2, statementTimeoutMs: 10_000 });
  return store;
}

const terminal = (posId: number, multiSessionId: number, messageId: number): Terminal => ({ dbname: "shop1", posId, multiSessionId, userId: 2, messageId });
const multiSession = (posId: number) => channelOf("shop1", CHANNEL.multiSession, posId);

describe("session messages: the store counts the terminals' message ids up as it stores their copies", () => {
  test("each copy carries its terminal's next message_ID, in item order then pos_id order, ids gapless; a terminal outside the session gets nothing", async () => {
    const store = await openTestStore();
    await store.transaction(async (tx) => {
      await tx.saveTerminal(terminal(8, 1, 1));
      await tx.saveTerminal(terminal(7, 1, 4));
      await tx.saveTerminal(terminal(9, 2, 1));
    });
    const sent = await store.transaction((tx) =>
      Promise.resolve(
        tx.insertNotifications(
          [
            { channel: multiSession(8), message: '"whole, first"' },
            { dbname: "shop1", multiSessionId: 1, before: '{"n":', after: "}" },
            { dbname: "shop1", multiSessionId: 1, posId: 7, before: '{"to 7":', after: "}" },
            { dbname: "shop1", multiSessionId: 1, posId: 9, before: '{"to 9, elsewhere":', after: "}" },
            { channel: multiSession(9), message: '"whole, last"' },
          ],
          1000,
          true,
        ),
      ),
    );
    expect(sent.map(({ channel, message }) => [channel, message])).toEqual([
      [multiSession(8), '"whole, first"'],
      [multiSession(7), '{"n":5}'],
      [multiSession(8), '{"n":2}'],
      [multiSession(7), '{"to 7":6}'],
      [multiSession(9), '"whole, last"'],
    ]);
    const ids = sent.map((n) => n.id);
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));

    const counters = await store.transaction(async (tx) => [
      await tx.getTerminal("shop1", 7),
      await tx.getTerminal("shop1", 8),
      await tx.getTerminal("shop1", 9),
    ]);
    expect(counters).toEqual([terminal(7, 1, 6), terminal(8, 1, 2), terminal(9, 2, 1)]);
  });

  test("a session message to a multi-session without terminals stores nothing, and the ids after it stay gapless", async () => {
    const store = await openTestStore();
    const first = await store.transaction((tx) => Promise.resolve(tx.insertNotifications([{ channel: multiSession(1), message: "1" }], 1000)));
    const none = await store.transaction((tx) =>
      Promise.resolve(tx.insertNotifications([{ dbname: "shop1", multiSessionId: 3, before: "[", after: "]" }], 1000, true)),
    );
    const next = await store.transaction((tx) => Promise.resolve(tx.insertNotifications([{ channel: multiSession(1), message: "2" }], 1000, true)));
    expect(none).toEqual([]);
    expect(next[0]!.id).toBe(first[0]!.id + 1);
  });
});
