import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { PostgresStore } from "../../src/db/postgres/store.ts";
import { advisoryKey } from "../../src/db/postgres/connection.ts";
import { tempDb } from "../helpers/test-store.ts";

const opened: { end?(): Promise<void>; close?(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await (item.close ?? item.end)!.call(item);
});

describe("retention on PostgreSQL", () => {
  test("runs on one node at a time: while another node holds the clean-up lock, a node deletes nothing", async () => {
    const url = await tempDb();
    const store = await PostgresStore.open({ url, poolSize: 2, statementTimeoutMs: 10_000 });
    opened.push(store);
    await store.transaction(async (tx) =>
      tx.insertNotifications(
        [
          { channel: "c", message: "1" },
          { channel: "c", message: "2" },
        ],
        1000,
      ),
    );

    // Another node in the middle of its clean-up.
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    opened.push(other);
    await other.query("BEGIN");
    const schema = new URL(url).searchParams.get("options")!.split("=").pop()!;
    await other.query(`SELECT pg_advisory_xact_lock(${advisoryKey("retention")})`, [schema]);
    expect(await store.deleteNotificationsUpTo(5000)).toEqual([]);
    expect(await store.notificationsBetween(0, 10, "")).toHaveLength(2);

    await other.query("COMMIT");
    expect((await store.deleteNotificationsUpTo(5000)).map((deleted) => deleted.id).sort()).toEqual([1, 2]);
    // Ids are never reused after a clean-up: the counter keeps its place.
    const [next] = await store.transaction(async (tx) => tx.insertNotifications([{ channel: "c", message: "3" }], 6000));
    expect(next!.id).toBe(3);
  });
});
