import type { ListenerLog } from "./postgres/commit-listener.ts";
import { PostgresStore } from "./postgres/store.ts";
import { SqliteStore } from "./sqlite/store.ts";
import type { Store } from "./store.ts";
import type { Logger } from "../log.ts";

export interface StoreConfig {
  /** A postgres:// or postgresql:// URL, or else an SQLite file path (or :memory:). */
  db: string;
  dbSynchronous: "normal" | "full";
  pgPoolSize: number;
  pgStatementTimeoutMs: number;
}

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

export interface OpenStoreOptions {
  log?: ListenerLog & Pick<Logger, "warn">;
  /** The lowest last notification id to start from: idFloorAt(now) in a server (id-floor.ts). */
  idFloor?: number;
}

/** The store POS_SYNC_DB names: PostgreSQL for a postgres:// URL, SQLite for anything else. */
export async function openStore(config: StoreConfig, options: OpenStoreOptions = {}): Promise<Store> {
  const { log, idFloor } = options;
  if (!isPostgresUrl(config.db)) {
    return new SqliteStore(config.db, { synchronous: config.dbSynchronous, ...(log ? { log } : {}), ...(idFloor !== undefined ? { idFloor } : {}) });
  }
  return PostgresStore.open(
    { url: config.db, poolSize: config.pgPoolSize, statementTimeoutMs: config.pgStatementTimeoutMs, ...(idFloor !== undefined ? { idFloor } : {}) },
    log,
  );
}

/** The database setting as it may be logged: a URL's password is masked. */
export function safeDbName(db: string): string {
  return isPostgresUrl(db) ? db.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, "$1***@") : db;
}
