import { existsSync, renameSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { settingsSchema } from "../config.ts";
import { isPostgresUrl } from "../db/open-store.ts";

export const BACKUP_USAGE = `usage: pos-sync backup <file> [--db <database file>]

Copies the SQLite database to <file> while the server runs (SQLite's online backup API).
The database is --db, else POS_SYNC_DB, else the server's default (./data/pos-sync.sqlite).`;

export interface BackupSummary {
  source: string;
  destination: string;
  pages: number;
  notifications: number;
  orders: number;
}

/**
 * Copies `source` to `destination` as one consistent snapshot. The source is opened read-only
 * from this process, so a running server keeps serving (in WAL mode readers never block its
 * writes). The copy is written beside the destination and renamed into place only once it is
 * complete and passes an integrity check, so an interrupted backup never leaves a half file.
 */
export async function backupDatabase(source: string, destination: string): Promise<BackupSummary> {
  if (resolve(source) === resolve(destination)) throw new Error("the backup file must not be the database itself");
  if (!existsSync(source)) throw new Error(`no database at ${source}`);
  const partial = `${destination}.partial`;
  rmSync(partial, { force: true });
  const database = new Database(source, { readonly: true, fileMustExist: true });
  try {
    database.pragma("busy_timeout = 5000");
    // All pages in one step: a step that yields lets the server's writes restart the copy, forever under load.
    const { totalPages } = await database.backup(partial, { progress: () => 0x7fffffff });
    const summary = { source, destination, pages: totalPages, ...checkCopy(partial) };
    renameSync(partial, destination);
    return summary;
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    database.close();
  }
}

function checkCopy(path: string): { notifications: number; orders: number } {
  const copy = new Database(path, { fileMustExist: true });
  try {
    const integrity = copy.pragma("integrity_check", { simple: true });
    if (integrity !== "ok") throw new Error(`the copy failed its integrity check: ${String(integrity)}`);
    // One file, no WAL beside it: the copy can be moved and restored on its own.
    copy.pragma("journal_mode = DELETE");
    const count = (table: string) => (copy.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { notifications: count("notifications"), orders: count("orders") };
  } finally {
    copy.close();
  }
}

/** `pos-sync backup <file> [--db <file>]`; returns the exit code. */
export async function backup(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed: ReturnType<typeof parseBackupArgs>;
  try {
    parsed = parseBackupArgs(argv);
  } catch (error) {
    process.stderr.write(`pos-sync backup: ${(error as Error).message}\n${BACKUP_USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${BACKUP_USAGE}\n`);
    return 0;
  }
  const [destination, ...extra] = parsed.positionals;
  if (!destination || extra.length > 0) {
    process.stderr.write(`pos-sync backup: expected one backup file\n${BACKUP_USAGE}\n`);
    return 2;
  }
  const source = settingsSchema.shape.db.parse(parsed.values.db ?? (env.POS_SYNC_DB || undefined));
  if (source === ":memory:" || isPostgresUrl(source)) {
    process.stderr.write(
      `pos-sync backup: only a SQLite file can be backed up this way (POS_SYNC_DB is ${isPostgresUrl(source) ? "a PostgreSQL URL: use pg_dump" : source})\n`,
    );
    return 2;
  }
  try {
    const started = performance.now();
    const summary = await backupDatabase(source, destination);
    const ms = Math.round(performance.now() - started);
    process.stdout.write(
      `backed up ${summary.source} to ${summary.destination}: ${summary.pages} pages, ${summary.notifications} notifications, ${summary.orders} orders, ${ms} ms\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`pos-sync backup: ${(error as Error).message}\n`);
    return 1;
  }
}

/** `pos-sync backup <file>`, for the command line (src/cli/index.ts). */
export const backupCommand = {
  name: "backup",
  usage: "pos-sync backup <file> [--db <file>]",
  summary: "copy the SQLite database while the server runs",
  run: (args: string[]) => backup(args),
};

function parseBackupArgs(argv: string[]) {
  return parseArgs({ args: argv, options: { db: { type: "string" }, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
}
