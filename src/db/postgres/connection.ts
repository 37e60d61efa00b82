import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";

export interface PostgresOptions {
  /** postgres://user@host:5432/dbname (or postgresql://). */
  url: string;
  poolSize: number;
  /** Also how long a request waits for a connection before it fails. */
  statementTimeoutMs: number;
  /** The lowest last notification id to start from: idFloorAt(now) (src/db/id-floor.ts). */
  idFloor?: number;
}

/** Both src/db/postgres and dist/db/postgres sit three levels below the package root, beside drizzle/. */
const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), "../../../drizzle/postgres");

/**
 * Several deployments may share one database, each in its own schema (search_path, e.g.
 * ?options=-c%20search_path%3Dshop_a in the URL): the NOTIFY channel and the advisory locks
 * are named after the schema, so one deployment never wakes, or waits for, another.
 */
export function notifyChannel(schema: string): string {
  return schema === "public" ? "pos_sync" : `pos_sync.${schema}`;
}

/** The advisory lock key of `purpose` ("migrate", "retention") in `schema`, as SQL taking ($1 = schema). */
export const advisoryKey = (purpose: "migrate" | "retention") => `hashtextextended('pos_sync:${purpose}:' || $1::text, 0)`;

const INT8_OID = 20;
/** bigint columns hold ids and milliseconds, all below 2^53: plain numbers, not strings. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

export function clientConfig(options: PostgresOptions): pg.ClientConfig {
  return {
    connectionString: options.url,
    statement_timeout: options.statementTimeoutMs,
    connectionTimeoutMillis: options.statementTimeoutMs,
    application_name: "pos-sync",
    // The LISTEN connection sits idle: TCP keepalive notices a database host that vanished.
    keepAlive: true,
    types,
  };
}

export function createPool(options: PostgresOptions): pg.Pool {
  return new pg.Pool({ ...clientConfig(options), max: options.poolSize, idleTimeoutMillis: 30_000 });
}

/**
 * Applies the migrations under an advisory lock: nodes
 * started at the same moment take turns, the later ones find nothing left to do.
 */
export async function migrateDatabase(options: PostgresOptions): Promise<{ schema: string }> {
  const client = new pg.Client(clientConfig(options));
  await client.connect();
  try {
    const [row] = (await client.query<{ schema: string | null }>("SELECT current_schema() AS schema")).rows;
    const schema = row?.schema;
    if (!schema) throw new Error("POS_SYNC_DB: no schema of the search_path exists in this database; create it first");
    await client.query(`SELECT pg_advisory_lock(${advisoryKey("migrate")})`, [schema]);
    await migrate(drizzle({ client }), { migrationsFolder, migrationsSchema: schema });
    return { schema };
  } finally {
    await client.end();
  }
}
