import type { Awaitable } from "./awaitable.ts";
import type { MultiSession, Order, RefusedEdit, Terminal } from "./sync-state.ts";

/**
 * Reads for the operator console (src/console/): outside any transaction, each a snapshot of
 * what is committed, with no promise of consistency between two of them.
 */
export interface OperatorReads {
  /** Every database name with a multi-session or a terminal seen polling, in name order. */
  databaseNames(): Awaitable<string[]>;
  /** The multi-sessions of a database, in id order. */
  multiSessionsOf(dbname: string): Awaitable<MultiSession[]>;
  /** The terminals registered (by sync_all) in any multi-session of a database, in pos id order. */
  terminalsOf(dbname: string): Awaitable<Terminal[]>;
  /** The draft orders of a multi-session (any run), in the order they were created. */
  openOrders(dbname: string, multiSessionId: number): Awaitable<Order[]>;
  /** The kept refused edits of a multi-session (of one order when `uid` is given), newest first. */
  refusedEdits(dbname: string, multiSessionId: number, uid?: string): Awaitable<RefusedEdit[]>;
  /** The orders left open when their run ended (state unpaid), in the order they were created. */
  endedRunOrders(dbname: string, multiSessionId: number): Awaitable<Order[]>;

  // The console's lists over every database at once (src/console/lists.ts): one read each, whatever the number of databases.
  /** How many multi-sessions each database has; databases without one are left out. Unordered. */
  multiSessionCounts(): Awaitable<MultiSessionCount[]>;
  /** knownTerminals of every database at once: each terminal registered by sync_all or seen polling, once. Unordered. */
  knownTerminalsOfAll(): Awaitable<KnownTerminal[]>;
  /** The refused edits made at or after `since` (epoch ms, whatever their status), counted per multi-session; of `dbname` only when given. Unordered. */
  refusedEditCounts(since: number, dbname?: string): Awaitable<RefusedEditCount[]>;
}

export interface MultiSessionCount {
  dbname: string;
  multiSessions: number;
}

/** A terminal registered or seen polling; `posId` as text, as terminals seen polling are known. */
export interface KnownTerminal {
  dbname: string;
  posId: string;
}

export interface RefusedEditCount {
  dbname: string;
  multiSessionId: number;
  count: number;
}
