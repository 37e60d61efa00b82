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
}
