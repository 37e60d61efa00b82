import { createHash } from "node:crypto";
import Database from "better-sqlite3";

/**
 * A digest of every row of every table of a SQLite file, read over its own read-only
 * connection (so it sees exactly what has been committed). The `nodes` table is left out: each
 * node rewrites its heartbeat there every few seconds, whatever the requests do.
 */
export function databaseDigest(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const hash = createHash("sha256");
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'nodes' ORDER BY name").pluck().all() as string[];
    for (const table of tables) {
      hash.update(`\0table ${table}\0`);
      for (const row of db.prepare(`SELECT * FROM "${table}" ORDER BY 1, 2`).raw().iterate()) hash.update(JSON.stringify(row));
    }
    return hash.digest("hex");
  } finally {
    db.close();
  }
}
