/**
 * npx tsx bench/pg-broadcast-cost.ts [--broadcasts N] [--rounds N] [--inflight N] [--build NAME=DIR ...]
 *
 * What one broadcast costs on PostgreSQL, the server's own sync path without HTTP: a Bus on a
 * PostgresStore, 100 shops of one 5-terminal multi-session, `inflight` broadcasts (applyUpdate
 * with a plain action) kept going over the shops. Per broadcast: CPU of this process and of the
 * database's backends (read from /proc by their pids, so other users of the PostgreSQL server do
 * not count), statements and round trips (pg_stat_statements when installed, else not shown).
 * Each --build is another checkout's dist/ (npm run build there), measured in the same rounds;
 * "this" is this checkout. A fresh database per measurement, interleaved rounds, median (min-max).
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { createBenchDatabase, dropBenchDatabase } from "./pg.ts";
import { cpuMicros } from "./proc.ts";
import { medianAndRange } from "./stats.ts";

const { values } = parseArgs({
  options: {
    broadcasts: { type: "string", default: "3000" },
    rounds: { type: "string", default: "3" },
    inflight: { type: "string", default: "64" },
    build: { type: "string", multiple: true, default: [] },
  },
});
const broadcasts = Number(values.broadcasts);
const rounds = Number(values.rounds);
const inflight = Number(values.inflight);
const SHOPS = 100;
const TERMINALS = 5;

const builds: [string, string][] = [["this", resolve(import.meta.dirname, "..")]];
for (const spec of values.build) {
  const [name, dir] = spec.split("=");
  if (!name || !dir) throw new Error(`--build wants NAME=DIR, got "${spec}"`);
  builds.push([name, resolve(dir)]);
}

interface Figures {
  nodeMicros: number;
  /** Of it in the kernel (socket writes and reads). */
  nodeSystemMicros: number;
  backendMicros: number;
  statements: number | undefined;
}

async function backendMicros(admin: pg.Client, database: string): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>("SELECT pid FROM pg_stat_activity WHERE datname = $1", [database]);
  let sum = 0;
  for (const { pid } of rows) {
    try {
      sum += cpuMicros(pid);
    } catch {
      // gone meanwhile
    }
  }
  return sum;
}

async function statementCount(admin: pg.Client, database: string): Promise<number | undefined> {
  try {
    const { rows } = await admin.query<{ calls: string }>(
      `SELECT coalesce(sum(calls), 0) AS calls FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
       WHERE d.datname = $1 AND s.query NOT IN ('BEGIN', 'COMMIT')`,
      [database],
    );
    return Number(rows[0]!.calls);
  } catch {
    return undefined;
  }
}

async function measure(dir: string): Promise<Figures> {
  const { PostgresStore } = await import(join(dir, "dist/db/postgres/store.js"));
  const { Bus } = await import(join(dir, "dist/bus/bus.js"));
  const { applyUpdate } = await import(join(dir, "dist/sync/apply-update.js"));
  const url = await createBenchDatabase();
  const database = new URL(url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]+$/, "/postgres") });
  await admin.connect();
  const store = await PostgresStore.open({ url, poolSize: 10, statementTimeoutMs: 30_000 });
  const bus = await Bus.open(store, { pollTimeoutMs: 30_000 });
  try {
    const update = (shop: number, message: object) => applyUpdate(bus, { dbname: `shop${shop}`, multi_session_id: 1, user_ID: 2, message } as never);
    for (let shop = 0; shop < SHOPS; shop++) {
      for (let pos = 1; pos <= TERMINALS; pos++) await update(shop, { action: "sync_all", data: { pos_id: pos, run_ID: 1 }, immediate_rerendering: true });
    }
    for (let k = 0; k < SHOPS; k++) await update(k, { action: "bench", data: { warm: k } });
    const ownBefore = process.cpuUsage();
    const backendsBefore = await backendMicros(admin, database);
    const statementsBefore = await statementCount(admin, database);
    let next = 0;
    const worker = async () => {
      while (next < broadcasts) {
        const k = next++;
        await update(k % SHOPS, { action: "bench", data: { seq: k } });
      }
    };
    await Promise.all(Array.from({ length: inflight }, worker));
    const own = process.cpuUsage(ownBefore);
    const backends = (await backendMicros(admin, database)) - backendsBefore;
    const statementsAfter = await statementCount(admin, database);
    return {
      nodeMicros: (own.user + own.system) / broadcasts,
      nodeSystemMicros: own.system / broadcasts,
      backendMicros: backends / broadcasts,
      statements: statementsBefore === undefined || statementsAfter === undefined ? undefined : (statementsAfter - statementsBefore) / broadcasts,
    };
  } finally {
    await bus.close();
    await store.close();
    await admin.end();
    await dropBenchDatabase(url);
  }
}

const results = new Map<string, Figures[]>(builds.map(([name]) => [name, []]));
for (let round = 1; round <= rounds; round++) {
  for (const [name, dir] of builds) {
    const figures = await measure(dir);
    results.get(name)!.push(figures);
    console.error(`[pg-broadcast-cost] round ${round} ${name}: ${JSON.stringify(figures)}`);
  }
}
console.log(`${broadcasts} broadcasts, ${inflight} in flight, ${SHOPS} shops x ${TERMINALS} terminals, ${rounds} rounds: median (min-max)\n`);
console.log("| build | this process's CPU per broadcast (µs) | database backends' CPU per broadcast (µs) | statements per broadcast |");
console.log("| --- | ---: | ---: | ---: |");
for (const [name, figures] of results) {
  const statements = figures.map((f) => f.statements).filter((s): s is number => s !== undefined);
  console.log(
    `| ${name} | ${medianAndRange(
      figures.map((f) => f.nodeMicros),
      0,
    )} | ${medianAndRange(
      figures.map((f) => f.backendMicros),
      0,
    )} | ${statements.length ? medianAndRange(statements, 1) : "n/a"} |`,
  );
}
