import { randomBytes } from "node:crypto";
import pg from "pg";
import { tempDbPath } from "./server.ts";

/**
 * Which store this test run uses: the vitest project sets POS_SYNC_TEST_STORE (sqlite when
 * unset); "cluster" is PostgreSQL with two server nodes per test server (test/helpers/cluster.ts).
 */
export const testStore: "sqlite" | "postgres" | "cluster" =
  process.env.POS_SYNC_TEST_STORE === "postgres" || process.env.POS_SYNC_TEST_STORE === "cluster" ? process.env.POS_SYNC_TEST_STORE : "sqlite";

/** The PostgreSQL server the tests create their databases on (trust auth as user postgres by default). */
export const testPgServer = process.env.POS_SYNC_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432";

export const TEST_DATABASE_PREFIX = "pos_sync_test_";
const created: string[] = [];

/**
 * A database of its own: an SQLite file, or a schema of its own in the test file's PostgreSQL
 * database (created on first use, dropped after the file). Schemas, not databases, because
 * CREATE and DROP DATABASE take a second or more each on a busy machine.
 */
export async function tempDb(): Promise<string> {
  return testStore === "sqlite" ? tempDbPath() : createPgSchema();
}

let fileDatabase: Promise<string> | undefined;
let schemas = 0;

export async function createPgSchema(): Promise<string> {
  const database = await (fileDatabase ??= createPgDatabase());
  const schema = `s${++schemas}`;
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  return `${database}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

/** Named after this process, so a sweep can tell databases of dead test processes from live ones. */
export async function createPgDatabase(): Promise<string> {
  const name = `${TEST_DATABASE_PREFIX}${process.pid}_${randomBytes(6).toString("hex")}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  created.push(name);
  return `${testPgServer}/${name}`;
}

export async function dropCreatedPgDatabases(): Promise<void> {
  fileDatabase = undefined;
  const names = created.splice(0);
  if (names.length > 0)
    await withAdmin(async (admin) => {
      for (const name of names) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    });
}

export async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: `${testPgServer}/postgres` });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Ends every connection to `url`'s database, as if PostgreSQL had restarted under it. */
export async function terminateBackends(url: string): Promise<number> {
  const name = new URL(url).pathname.slice(1);
  // Schemas of one database share its backends: this ends them all.
  return withAdmin(async (admin) => {
    const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);
    return rowCount ?? 0;
  });
}

/** Runs one SQL statement on a test database from outside the server, as an operator's own session would. */
export async function runSqlOn(db: string, sql: string): Promise<void> {
  if (testStore === "sqlite") {
    const { default: Database } = await import("better-sqlite3");
    const connection = new Database(db);
    try {
      connection.exec(sql);
    } finally {
      connection.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
