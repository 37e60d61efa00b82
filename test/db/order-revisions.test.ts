import { afterEach, describe, expect, test } from "vitest";
import { SqliteStore } from "../../src/db/sqlite/store.ts";
import type { OrderRevision } from "../../src/db/contracts/sync-state.ts";
import { tempDbPath } from "../helpers/server.ts";

let store: SqliteStore | undefined;
afterEach(async () => {
  await store?.close();
});

const revision = (revisionId: number, uid = "o1"): OrderRevision => ({
  dbname: "shop1",
  multiSessionId: 1,
  uid,
  revisionId,
  message: JSON.stringify({ action: "update_order", data: { uid, qty: revisionId } }),
  nonce: `n${revisionId}`,
  sessionId: 101,
  loginNumber: 1,
  posId: revisionId % 2 === 0 ? 2 : null,
});

describe("order revision history (SQLite store)", () => {
  test("keeps the newest revisions of each order, contiguous, and survives a reopen", async () => {
    const path = tempDbPath();
    store = new SqliteStore(path);
    await store.transaction(async (tx) => {
      for (let id = 1; id <= 10; id++) await tx.saveRevision(revision(id), 4);
      await tx.saveRevision(revision(1, "o2"), 4);
    });
    await store.close();

    store = new SqliteStore(path);
    const [kept, seven, gone, other] = await store.transaction(
      async (tx) =>
        [
          await tx.listRevisionsSince("shop1", 1, "o1", 0),
          await tx.getRevision("shop1", 1, "o1", 7),
          await tx.getRevision("shop1", 1, "o1", 6),
          await tx.listRevisionsSince("shop1", 1, "o2", 0),
        ] as const,
    );
    expect(kept.map((row) => row.revisionId)).toEqual([7, 8, 9, 10]);
    expect(seven).toEqual(revision(7));
    expect(gone).toBeUndefined();
    expect(other).toEqual([revision(1, "o2")]);
  });

  test("a revision written in a transaction that fails is not kept", async () => {
    store = new SqliteStore(tempDbPath());
    await expect(
      store.transaction(async (tx) => {
        await tx.saveRevision(revision(1), 32);
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.transaction(async (tx) => tx.listRevisionsSince("shop1", 1, "o1", 0))).toEqual([]);
  });
});
