import { setTimeout as delay } from "node:timers/promises";
import { StoreUnavailableError } from "../errors.ts";
import type { ListenerLog } from "./postgres/commit-listener.ts";
import { asStoreError } from "./postgres/errors.ts";
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

export interface WaitOptions {
  /** Told of each failed attempt while the database is unreachable. */
  onWait(error: StoreUnavailableError, attempt: number): void;
  /** Stops waiting (the node is shutting down before its database came). */
  signal?: AbortSignal | undefined;
}

/**
 * Opens the store, trying again while the database cannot be reached (refused, timed out,
 * starting up), every 0.25 s at first and at most every second, so a node started before its
 * PostgreSQL serves within seconds of it answering; migrations run then. Any other failure (a
 * wrong password, a missing database) is thrown at once: waiting would not fix it.
 */
export async function openStoreWhenReachable(config: StoreConfig, options: OpenStoreOptions, wait: WaitOptions): Promise<Store> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openStore(config, options);
    } catch (error) {
      const classified = asStoreError(error);
      if (!(classified instanceof StoreUnavailableError) || wait.signal?.aborted) throw error;
      wait.onWait(classified, attempt);
      await delay(Math.min(250 * 2 ** (attempt - 1), 1000), undefined, wait.signal ? { signal: wait.signal } : {});
    }
  }
}

/** The database setting as it may be logged: a URL's password is masked. */
export function safeDbName(db: string): string {
  return isPostgresUrl(db) ? db.replace(/^(\w+:\/\/[^:@/]*:)[^@/]*@/, "$1***@") : db;
}
