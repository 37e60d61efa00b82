import { afterEach, describe, expect, test } from "vitest";
import { PostgresStore } from "../../src/db/postgres/store.ts";
import { runSqlOn, tempDb } from "../helpers/test-store.ts";

let store: PostgresStore | undefined;
afterEach(async () => {
  await store?.close();
  store = undefined;
});

const channel = '["shop1","pos.multi_session","1"]';

describe("statements prepared once per connection (PostgreSQL)", () => {
  test("a connection whose first use of a statement failed in the same round trip as it ran still serves it: the next transactions store and number as before", async () => {
    const url = await tempDb();
    store = await PostgresStore.open({ url, poolSize: 1, statementTimeoutMs: 10_000 });
    const open = store;
    const insert = (message: string) => open.transaction((tx) => Promise.resolve(tx.insertNotifications([{ channel, message }], Date.now(), true)));

    // Id 1 taken from outside: the first insert fails as it runs, once its statement is prepared.
    await runSqlOn(url, `INSERT INTO bus_notifications (dbname, id, channel, message, created_at) VALUES ('shop1', 1, '${channel}', '"outside"', 0)`);
    await expect(insert('"first"')).rejects.toThrow(/duplicate key/);
    await runSqlOn(url, "DELETE FROM bus_notifications");

    const [first] = await insert('"first"');
    const [second] = await insert('"second"');
    expect([first!.id, second!.id]).toEqual([1, 2]);
    expect((await open.notificationsAfter([channel], 0, second!.id)).map((n) => n.message)).toEqual(['"first"', '"second"']);
  });
});
