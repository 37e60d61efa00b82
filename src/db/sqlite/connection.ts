import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";

/** Both src/db/sqlite and dist/db/sqlite sit three levels below the package root, beside drizzle/. */
const migrationsFolder = resolve(dirname(fileURLToPath(import.meta.url)), "../../../drizzle/sqlite");

/**
 * Opens (creating what is missing) and migrates the database, in WAL mode. With synchronous
 * "normal" a commit is in the WAL (the OS's hands) before the reply that confirms it is sent, so
 * killing the process loses nothing confirmed; "full" also fsyncs each commit, for power cuts.
 */
export function openDatabase(path: string, synchronous: "normal" | "full" = "normal"): Database.Database {
  if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  sqlite.pragma("busy_timeout = 5000");
  // Savepoints (one per request in a group commit) keep their journals in memory, not in temp files.
  sqlite.pragma("temp_store = MEMORY");
  // Checkpoints run in a worker (checkpointer.ts), not inside a commit on the main thread.
  if (path !== ":memory:") sqlite.pragma("wal_autocheckpoint = 0");
  migrate(drizzle(sqlite), { migrationsFolder });
  return sqlite;
}
