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

/** `settings`: PostgreSQL settings of the database (ALTER DATABASE ... SET), for diagnostics such as synchronous_commit=off. */
export async function createBenchDatabase(settings: Readonly<Record<string, string>> = {}): Promise<string> {
  const name = `pos_sync_bench_${process.pid}_${randomBytes(4).toString("hex")}`;
  await admin(async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    for (const [setting, value] of Object.entries(settings)) await client.query(`ALTER DATABASE ${name} SET ${setting} = ${client.escapeLiteral(value)}`);
  });
  return `${server}/${name}`;
}

export async function dropBenchDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
