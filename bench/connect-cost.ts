/**
 * npx tsx bench/connect-cost.ts [--store sqlite|postgres|both] [--others N] [--polls N]
 *
 * What a terminal's first poll costs the server when other shops are busy: N notifications of
 * other shops in the poll-timeout window, then peek polls of a quiet channel through the bus
 * (a bus that has just opened, so its memory of recent notifications cannot answer them):
 * last=0, and a catch-up from a cursor older than all N. Server time, without HTTP. On SQLite
 * also the store's open (it rebuilds its index of ids by channel) and that index's memory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { Bus } from "../src/bus/bus.ts";
import { PostgresStore } from "../src/db/postgres/store.ts";
import { SqliteStore } from "../src/db/sqlite/store.ts";
import type { Store } from "../src/db/store.ts";
import { createBenchDatabase, dropBenchDatabase } from "./pg.ts";
import { summarize } from "./stats.ts";

const QUIET = ['["quiet","pos.multi_session","1"]', '["quiet","pos.longpolling","1"]'];
const OTHER_CHANNELS = 1_000;
const BATCH = 20_000;
const log = (line: string) => process.stderr.write(`[connect-cost] ${line}\n`);

const { values } = parseArgs({
  options: { store: { type: "string", default: "both" }, others: { type: "string", default: "1000000" }, polls: { type: "string", default: "200" } },
});
const others = Number(values.others);
const polls = Number(values.polls);
const stores = values.store === "both" ? ["sqlite", "postgres"] : [values.store!];

const otherChannel = (i: number) => JSON.stringify([`shop${i % OTHER_CHANNELS}`, "pos.multi_session", String(i % 7)]);

/** The first notification is the quiet channel's (the old cursor, a minute old: outside the window), then `others` of other shops, created now. */
async function fill(store: Store): Promise<number> {
  const [first] = await store.transaction(async (tx) => tx.insertNotifications([{ channel: QUIET[0]!, message: '"old"' }], Date.now() - 60_000));
  for (let done = 0; done < others; done += BATCH) {
    const items = Array.from({ length: Math.min(BATCH, others - done) }, (_, k) => ({ channel: otherChannel(done + k), message: `{"n":${done + k}}` }));
    await store.transaction(async (tx) => tx.insertNotifications(items, Date.now()));
  }
  return first!.id;
}

/** PostgreSQL: the same rows by one INSERT ... SELECT (the store's own insert would take minutes for a million). */
async function fillPostgres(url: string): Promise<number> {
  const store = await PostgresStore.open({ url, poolSize: 2, statementTimeoutMs: 600_000 });
  const [first] = await store.transaction(async (tx) => tx.insertNotifications([{ channel: QUIET[0]!, message: '"old"' }], Date.now() - 60_000));
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      `INSERT INTO notifications (id, channel, message, created_at)
       SELECT $1::bigint + n, json_build_array('shop' || (n % ${OTHER_CHANNELS}), 'pos.multi_session', (n % 7)::text)::text, json_build_object('n', n), $3::bigint
       FROM generate_series(1, $2::bigint) AS n`,
      [first!.id, others, Date.now()],
    );
    await client.query("UPDATE notification_counter SET last_id = $1 WHERE singleton = 1", [first!.id + others]);
    await client.query("ANALYZE notifications");
  } finally {
    await client.end();
  }
  return first!.id;
}

async function timePolls(bus: Bus, last: number): Promise<string> {
  const times: number[] = [];
  for (let k = 0; k < polls; k++) {
    const t = performance.now();
    const found = await bus.poll(QUIET, last, { peek: true });
    times.push(performance.now() - t);
    if (found.length !== 0) throw new Error(`the quiet channel got ${found.length} notifications`);
  }
  const s = summarize(times);
  return `p50 ${s.p50.toFixed(3)} ms, p99 ${s.p99.toFixed(3)} ms, max ${s.max.toFixed(3)} ms (${s.count} polls)`;
}

async function measure(kind: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pos-sync-connect-"));
  const url = kind === "postgres" ? await createBenchDatabase() : join(dir, "connect.sqlite");
  try {
    const filled = performance.now();
    let oldId: number;
    if (kind === "postgres") oldId = await fillPostgres(url);
    else {
      const store = new SqliteStore(url);
      oldId = await fill(store);
      await store.close();
    }
    log(`${kind}: ${others} other notifications stored in ${((performance.now() - filled) / 1000).toFixed(1)} s`);
    globalThis.gc?.();
    const before = process.memoryUsage();
    const opened = performance.now();
    const store: Store = kind === "postgres" ? await PostgresStore.open({ url, poolSize: 4, statementTimeoutMs: 60_000 }) : new SqliteStore(url);
    const openMs = performance.now() - opened;
    globalThis.gc?.();
    const after = process.memoryUsage();
    const memory = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20;
    const bus = await Bus.open(store, { pollTimeoutMs: 50_000 });
    await timePolls(bus, 0); // warm-up
    process.stdout.write(`${kind}, ${others} other notifications in the window:\n`);
    process.stdout.write(
      `  store open: ${openMs.toFixed(0)} ms, memory after open ${memory.toFixed(1)} MB${globalThis.gc ? "" : " (no --expose-gc: rough)"}\n`,
    );
    process.stdout.write(`  last=0 peek poll, quiet channel: ${await timePolls(bus, 0)}\n`);
    process.stdout.write(`  catch-up from a cursor older than all of them: ${await timePolls(bus, oldId)}\n`);
    bus.close();
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (kind === "postgres") await dropBenchDatabase(url);
  }
}

for (const kind of stores) await measure(kind);
