import pg from "pg";
import { afterEach, describe, expect, test } from "vitest";
import { queries } from "../../src/db/postgres/queries.ts";
import { PostgresStore } from "../../src/db/postgres/store.ts";
import { tempDb } from "../helpers/test-store.ts";

const opened: { close(): unknown }[] = [];
const clients: pg.Client[] = [];
afterEach(async () => {
  for (const closable of opened.splice(0)) await closable.close();
  for (const client of clients.splice(0)) await client.end();
});

const QUIET = ['["quiet","pos.multi_session","1"]', '["quiet","pos.longpolling","1"]'];

interface PlanNode {
  "Node Type": string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: PlanNode[];
}

/** Rows the plan's scans touched: what they returned and what they read and threw away (a row found by a bitmap index scan counts again in its heap scan). */
function rowsVisited(node: PlanNode): number {
  const own = node["Node Type"].includes("Scan")
    ? node["Actual Rows"] * node["Actual Loops"] + (node["Rows Removed by Filter"] ?? 0) + (node["Rows Removed by Index Recheck"] ?? 0)
    : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsVisited(child), 0);
}

describe("PostgreSQL: a quiet channel's reads go through the (channel, id) index", () => {
  test("a last=0 poll and an old cursor's catch-up visit the rows they return, not the 20,000 other shops' notifications in the window", async () => {
    const url = await tempDb();
    const store = await PostgresStore.open({ url, poolSize: 2, statementTimeoutMs: 10_000 });
    opened.push(store);
    const now = Date.now();
    const [old] = await store.transaction(async (tx) => tx.insertNotifications([{ channel: QUIET[0]!, message: '"old"' }], now - 60_000));
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    clients.push(client);
    await client.query(
      `INSERT INTO bus_notifications (dbname, id, channel, message, created_at)
       SELECT 'shop' || (n % 100), $1::bigint + n, json_build_array('shop' || (n % 100), 'pos.multi_session', '1')::text, '{}', $2::bigint
       FROM generate_series(1, 20000) AS n`,
      [old!.id, now],
    );
    const last = old!.id + 20_000;
    // No ANALYZE: the planner's guesses on a table just filled are the worst case. The quiet
    // channel's one (old) row is all there is to visit, counted by an index and a heap scan.
    const explain = async (sql: string, params: unknown[]) => {
      const { rows } = await client.query<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      return rowsVisited(rows[0]!["QUERY PLAN"][0].Plan);
    };
    expect(await explain(queries.notificationsCreatedSince.text, [QUIET, now - 50_000, last])).toBeLessThanOrEqual(2);
    expect(await explain(queries.notificationsAfter.text, [QUIET, 0, last])).toBeLessThanOrEqual(2);
    expect(await store.notificationsCreatedSince(QUIET, now - 50_000, last)).toEqual([]);
    expect((await store.notificationsAfter(QUIET, 0, last)).map((n) => n.id)).toEqual([old!.id]);
  });
});
