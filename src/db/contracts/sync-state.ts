import type { Awaitable } from "./awaitable.ts";

export interface MultiSession {
  dbname: string;
  multiSessionId: number;
  runId: number;
  orderId: number;
}

export interface Terminal {
  dbname: string;
  posId: number;
  multiSessionId: number;
  userId: number;
  messageId: number;
}

export type OrderState = "draft" | "deleted" | "unpaid";

export interface Order {
  dbname: string;
  multiSessionId: number;
  uid: string;
  /** JSON text of the last accepted update message. */
  message: string;
  revisionId: number;
  runId: number;
  nonce: string | null;
  state: OrderState;
}

/** One accepted revision of an order, kept for merging stale updates (POS_SYNC_MERGE). */
export interface OrderRevision {
  dbname: string;
  multiSessionId: number;
  uid: string;
  revisionId: number;
  /** JSON text of the order's message at this revision, as stored in Order.message. */
  message: string;
  nonce: string | null;
  /** The author terminal: the message's session_id and login_number, and data.pos_id when known. */
  sessionId: number | null;
  loginNumber: number | null;
  posId: number | null;
}

/** Why an update was refused and kept (src/sync/refused-edits.ts). */
export type RefusalReason = "revision_error" | "uid_collision";
export type RefusedEditStatus = "open" | "reapplied" | "dismissed";

/** An update refused with revision_error, as the cashier typed it (docs/console.md). */
export interface NewRefusedEdit {
  dbname: string;
  multiSessionId: number;
  uid: string;
  /** update_order or remove_order. */
  action: string;
  reason: RefusalReason;
  /** JSON text of the refused message, whole. */
  message: string;
  posId: number | null;
  sessionId: number | null;
  loginNumber: number | null;
  userId: number;
  /** Epoch ms when it was refused. */
  at: number;
  /** The revision the terminal typed against (data.revision_ID). */
  typedRevision: number | null;
  /** What the server had: null revision and state when it had no such order. */
  serverRevision: number | null;
  serverState: string | null;
}

export interface RefusedEdit extends NewRefusedEdit {
  id: number;
  status: RefusedEditStatus;
  /** The revision the operator's re-apply made. */
  reappliedRevision: number | null;
  resolvedAt: number | null;
}

/** How many refused edits a multi-session keeps beyond the current day's. */
export interface RefusedEditRetention {
  keep: number;
  /** Rows at or after this epoch ms (the start of the current day) are kept whatever their number. */
  keepSince: number;
}

/**
 * What the sync rules read and write (src/sync/), inside one store transaction (Store.transaction):
 * multi-sessions and their runs, orders, the revisions kept for merging, the terminals of a
 * multi-session and their message counters, refused edits. Promises every store keeps:
 * - Transactions are atomic (all of their writes land, or none do).
 * - Transactions that touch one multi-session never interleave: SQLite runs one at a time;
 *   PostgreSQL locks the multi_sessions row in getOrCreateMultiSession until commit, so a rule
 *   calls it before anything else of that multi-session.
 */
export interface SyncState {
  getOrCreateMultiSession(dbname: string, multiSessionId: number): Awaitable<MultiSession>;
  saveMultiSession(session: MultiSession): Awaitable<void>;
  /** Turns every draft order of a run older than `runId` into unpaid. */
  markOlderDraftsUnpaid(dbname: string, multiSessionId: number, runId: number): Awaitable<void>;

  getOrder(dbname: string, multiSessionId: number, uid: string): Awaitable<Order | undefined>;
  saveOrder(order: Order): Awaitable<void>;
  listDraftOrders(dbname: string, multiSessionId: number, runId: number): Awaitable<Order[]>;

  /**
   * Stores (or replaces) one revision of an order, then deletes that order's revisions at or
   * below `revision.revisionId - keep`, so the newest `keep` stay, contiguous.
   */
  saveRevision(revision: OrderRevision, keep: number): Awaitable<void>;
  getRevision(dbname: string, multiSessionId: number, uid: string, revisionId: number): Awaitable<OrderRevision | undefined>;
  /** The order's stored revisions above `afterRevisionId`, oldest first. */
  listRevisionsSince(dbname: string, multiSessionId: number, uid: string, afterRevisionId: number): Awaitable<OrderRevision[]>;

  getTerminal(dbname: string, posId: number): Awaitable<Terminal | undefined>;
  saveTerminal(terminal: Terminal): Awaitable<void>;
  listTerminals(dbname: string, multiSessionId: number): Awaitable<Terminal[]>;

  // Refused edits (src/sync/refused-edits.ts, src/sync/recovery.ts).
  /**
   * Stores a refused edit, then deletes that multi-session's rows that are older than
   * `retention.keepSince` and not among its newest `retention.keep`; returns the new row's id.
   */
  saveRefusedEdit(edit: NewRefusedEdit, retention: RefusedEditRetention): Awaitable<number>;
  getRefusedEdit(dbname: string, multiSessionId: number, id: number): Awaitable<RefusedEdit | undefined>;
  /** Marks a refused edit re-applied (with the revision it made) or dismissed. */
  resolveRefusedEdit(id: number, status: Exclude<RefusedEditStatus, "open">, reappliedRevision: number | null, at: number): Awaitable<void>;
}
