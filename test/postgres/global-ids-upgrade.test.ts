import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import { afterEach, expect, test } from "vitest";
import { PostgresStore } from "../../src/db/postgres/store.ts";
import { tempDb } from "../helpers/test-store.ts";

const opened: { close(): Promise<void> }[] = [];
const folders: string[] = [];
afterEach(async () => {
  for (const item of opened.splice(0)) await item.close();
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** The database as a release before per-database ids left it: migrations up to 0002 only. */
async function migrateToGlobalIds(url: string): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), "pos-sync-migrations-"));
  folders.push(folder);
  cpSync("drizzle/postgres", folder, { recursive: true });
  const journalFile = join(folder, "meta/_journal.json");
  const journal = JSON.parse(readFileSync(journalFile, "utf8")) as { entries: { tag: string }[] };
  journal.entries = journal.entries.filter((entry) => entry.tag < "0003");
  writeFileSync(journalFile, JSON.stringify(journal));
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const schema = (await client.query<{ schema: string }>("SELECT current_schema() AS schema")).rows[0]!.schema;
    await migrate(drizzle({ client }), { migrationsFolder: folder, migrationsSchema: schema });
    await client.query(`INSERT INTO notification_counter (singleton, last_id) VALUES (1, 12)
      ON CONFLICT (singleton) DO UPDATE SET last_id = 12`);
    await client.query(`INSERT INTO notifications (id, channel, message, created_at) VALUES
      (10, '["shopa","pos.multi_session","1"]', '"a1"', 1000),
      (11, '["shopb","pos.longpolling","2"]', '"b1"', 1001),
      (12, '["shopa","pos.longpolling","1"]', '"a2"', 1002),
      (13, 'an Odoo channel', '"x"', 1003)`);
  } finally {
    await client.end();
  }
}

test("upgrading from global ids keeps the stored notifications, each under its database, and ids go on above them", async () => {
  const url = await tempDb();
  await migrateToGlobalIds(url);

  const store = await PostgresStore.open({ url, poolSize: 2, statementTimeoutMs: 10_000 });
  opened.push(store);

  const messagesOf = async (scope: string) => (await store.notificationsBetween(0, 100, scope)).map((n) => [n.id, n.message]);
  expect(await messagesOf("shopa")).toEqual([
    [10, '"a1"'],
    [12, '"a2"'],
  ]);
  expect(await messagesOf("shopb")).toEqual([[11, '"b1"']]);
  expect(await messagesOf("")).toEqual([[13, '"x"']]);

  const [next] = await store.transaction(async (tx) => tx.insertNotifications([{ channel: '["shopb","pos.longpolling","2"]', message: '"b2"' }], 2000));
  expect(next!.id).toBeGreaterThan(11);
});
