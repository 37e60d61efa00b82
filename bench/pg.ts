/** A PostgreSQL database of the benchmark's own, on POS_SYNC_BENCH_PG_URL; dropped after. */
import { randomBytes } from "node:crypto";
import pg from "pg";

const server = process.env.POS_SYNC_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432";

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: `${server}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(): Promise<string> {
  const name = `pos_sync_bench_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  return `${server}/${name}`;
}

export async function dropBenchDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
