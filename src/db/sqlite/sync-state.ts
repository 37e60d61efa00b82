import type Database from "better-sqlite3";
import type { SessionMessage } from "../contracts/notification-log.ts";
import type { MultiSession, NewRefusedEdit, Order, OrderRevision, RefusedEdit, Terminal } from "../contracts/sync-state.ts";
import type { RefusedEditRetention, RefusedEditStatus, SyncState } from "../contracts/sync-state.ts";
import { MULTI_SESSION_COLUMNS, ORDER_COLUMNS, type OrderKey, REFUSED_EDIT_COLUMNS, SESSION_KEY, type SessionKey, TERMINAL_COLUMNS } from "./columns.ts";

const REVISION_COLUMNS = `dbname, multi_session_id AS multiSessionId, uid, revision_id AS revisionId, message, nonce,
  session_id AS sessionId, login_number AS loginNumber, pos_id AS posId`;

type Statements = ReturnType<typeof prepareSyncState>;

/** A terminal whose message counter was counted up, and its new value. */
type Counted = Pick<Terminal, "posId" | "messageId">;

/** Counts up the message counters of the terminals `message` reaches; returns them in pos_id order. */
export function countMessageIds(statements: Statements, message: SessionMessage): Counted[] {
  const { dbname, multiSessionId, posId } = message;
  if (posId !== undefined) return statements.incrementMessageIdOf.all({ dbname, multiSessionId, posId });
  return statements.incrementMessageIds.all({ dbname, multiSessionId }).sort((a, b) => a.posId - b.posId);
}

/**
 * The statements of SyncState; they run inside the store's one transaction at a time.
 * @internal: no declaration is written, its statement types cannot be named outside better-sqlite3.
 */
export function prepareSyncState(sqlite: Database.Database) {
  return {
    getMultiSession: sqlite.prepare<SessionKey, MultiSession>(`SELECT ${MULTI_SESSION_COLUMNS} FROM multi_sessions WHERE ${SESSION_KEY}`),
    insertMultiSession: sqlite.prepare<SessionKey, MultiSession>(
      `INSERT INTO multi_sessions (dbname, multi_session_id) VALUES (:dbname, :multiSessionId) RETURNING ${MULTI_SESSION_COLUMNS}`,
    ),
    saveMultiSession: sqlite.prepare<MultiSession>(`UPDATE multi_sessions SET run_id = :runId, order_id = :orderId WHERE ${SESSION_KEY}`),
    markOlderDraftsUnpaid: sqlite.prepare<SessionKey & { runId: number }>(
      `UPDATE orders SET state = 'unpaid' WHERE ${SESSION_KEY} AND state = 'draft' AND run_id < :runId`,
    ),
    getOrder: sqlite.prepare<OrderKey, Order>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE ${SESSION_KEY} AND uid = :uid`),
    saveOrder: sqlite.prepare<Order>(
      `INSERT INTO orders (dbname, multi_session_id, uid, message, revision_id, run_id, nonce, state)
       VALUES (:dbname, :multiSessionId, :uid, :message, :revisionId, :runId, :nonce, :state)
       ON CONFLICT (dbname, multi_session_id, uid) DO UPDATE SET message = excluded.message, revision_id = excluded.revision_id,
         run_id = excluded.run_id, nonce = excluded.nonce, state = excluded.state`,
    ),
    listDraftOrders: sqlite.prepare<SessionKey & { runId: number }, Order>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE ${SESSION_KEY} AND state = 'draft' AND run_id = :runId ORDER BY rowid`,
    ),
    saveRevision: sqlite.prepare<OrderRevision>(
      `INSERT INTO order_revisions (dbname, multi_session_id, uid, revision_id, message, nonce, session_id, login_number, pos_id)
       VALUES (:dbname, :multiSessionId, :uid, :revisionId, :message, :nonce, :sessionId, :loginNumber, :posId)
       ON CONFLICT (dbname, multi_session_id, uid, revision_id) DO UPDATE SET message = excluded.message, nonce = excluded.nonce,
         session_id = excluded.session_id, login_number = excluded.login_number, pos_id = excluded.pos_id`,
    ),
    pruneRevisions: sqlite.prepare<OrderKey & { upTo: number }>(`DELETE FROM order_revisions WHERE ${SESSION_KEY} AND uid = :uid AND revision_id <= :upTo`),
    getRevision: sqlite.prepare<OrderKey & { revisionId: number }, OrderRevision>(
      `SELECT ${REVISION_COLUMNS} FROM order_revisions WHERE ${SESSION_KEY} AND uid = :uid AND revision_id = :revisionId`,
    ),
    listRevisionsSince: sqlite.prepare<OrderKey & { afterRevisionId: number }, OrderRevision>(
      `SELECT ${REVISION_COLUMNS} FROM order_revisions WHERE ${SESSION_KEY} AND uid = :uid AND revision_id > :afterRevisionId ORDER BY revision_id`,
    ),
    getTerminal: sqlite.prepare<{ dbname: string; posId: number }, Terminal>(
      `SELECT ${TERMINAL_COLUMNS} FROM terminals WHERE dbname = :dbname AND pos_id = :posId`,
    ),
    saveTerminal: sqlite.prepare<Terminal>(
      `INSERT INTO terminals (dbname, pos_id, multi_session_id, user_id, message_id) VALUES (:dbname, :posId, :multiSessionId, :userId, :messageId)
       ON CONFLICT (dbname, pos_id) DO UPDATE SET multi_session_id = excluded.multi_session_id, user_id = excluded.user_id,
         message_id = excluded.message_id`,
    ),
    listTerminals: sqlite.prepare<SessionKey, Terminal>(`SELECT ${TERMINAL_COLUMNS} FROM terminals WHERE ${SESSION_KEY} ORDER BY pos_id`),
    incrementMessageIds: sqlite.prepare<SessionKey, Counted>(
      `UPDATE terminals SET message_id = message_id + 1 WHERE ${SESSION_KEY} RETURNING pos_id AS posId, message_id AS messageId`,
    ),
    incrementMessageIdOf: sqlite.prepare<SessionKey & { posId: number }, Counted>(
      `UPDATE terminals SET message_id = message_id + 1 WHERE ${SESSION_KEY} AND pos_id = :posId RETURNING pos_id AS posId, message_id AS messageId`,
    ),
    insertRefusedEdit: sqlite.prepare<NewRefusedEdit, { id: number }>(
      `INSERT INTO refused_edits (dbname, multi_session_id, uid, action, reason, message, pos_id, session_id, login_number, user_id, at,
         typed_revision, server_revision, server_state)
       VALUES (:dbname, :multiSessionId, :uid, :action, :reason, :message, :posId, :sessionId, :loginNumber, :userId, :at,
         :typedRevision, :serverRevision, :serverState) RETURNING id`,
    ),
    /** Walks the (dbname, multi_session_id, id) index from the newest: the rows past the kept ones, older than the day. */
    pruneRefusedEdits: sqlite.prepare<SessionKey & { keep: number; keepSince: number }>(
      `DELETE FROM refused_edits WHERE ${SESSION_KEY} AND at < :keepSince AND id <= (
         SELECT id FROM refused_edits WHERE ${SESSION_KEY} ORDER BY id DESC LIMIT 1 OFFSET :keep)`,
    ),
    getRefusedEdit: sqlite.prepare<SessionKey & { id: number }, RefusedEdit>(
      `SELECT ${REFUSED_EDIT_COLUMNS} FROM refused_edits WHERE ${SESSION_KEY} AND id = :id`,
    ),
    resolveRefusedEdit: sqlite.prepare<{ id: number; status: string; reappliedRevision: number | null; at: number }>(
      "UPDATE refused_edits SET status = :status, reapplied_revision = :reappliedRevision, resolved_at = :at WHERE id = :id",
    ),
  };
}

/** SyncState on `statements`: synchronous, since better-sqlite3 is. */
export function syncStateOf(statements: Statements): SyncState {
  return {
    getOrCreateMultiSession(dbname: string, multiSessionId: number): MultiSession {
      return statements.getMultiSession.get({ dbname, multiSessionId }) ?? statements.insertMultiSession.get({ dbname, multiSessionId })!;
    },

    saveMultiSession(session: MultiSession): void {
      statements.saveMultiSession.run(session);
    },

    markOlderDraftsUnpaid(dbname: string, multiSessionId: number, runId: number): void {
      statements.markOlderDraftsUnpaid.run({ dbname, multiSessionId, runId });
    },

    getOrder(dbname: string, multiSessionId: number, uid: string): Order | undefined {
      return statements.getOrder.get({ dbname, multiSessionId, uid });
    },

    saveOrder(order: Order): void {
      statements.saveOrder.run(order);
    },

    listDraftOrders(dbname: string, multiSessionId: number, runId: number): Order[] {
      return statements.listDraftOrders.all({ dbname, multiSessionId, runId });
    },

    saveRevision(revision: OrderRevision, keep: number): void {
      statements.saveRevision.run(revision);
      const { dbname, multiSessionId, uid } = revision;
      statements.pruneRevisions.run({ dbname, multiSessionId, uid, upTo: revision.revisionId - keep });
    },

    getRevision(dbname: string, multiSessionId: number, uid: string, revisionId: number): OrderRevision | undefined {
      return statements.getRevision.get({ dbname, multiSessionId, uid, revisionId });
    },

    listRevisionsSince(dbname: string, multiSessionId: number, uid: string, afterRevisionId: number): OrderRevision[] {
      return statements.listRevisionsSince.all({ dbname, multiSessionId, uid, afterRevisionId });
    },

    getTerminal(dbname: string, posId: number): Terminal | undefined {
      return statements.getTerminal.get({ dbname, posId });
    },

    saveTerminal(terminal: Terminal): void {
      statements.saveTerminal.run(terminal);
    },

    listTerminals(dbname: string, multiSessionId: number): Terminal[] {
      return statements.listTerminals.all({ dbname, multiSessionId });
    },

    saveRefusedEdit(edit: NewRefusedEdit, retention: RefusedEditRetention): number {
      const { id } = statements.insertRefusedEdit.get(edit)!;
      const { dbname, multiSessionId } = edit;
      statements.pruneRefusedEdits.run({ dbname, multiSessionId, keep: retention.keep, keepSince: retention.keepSince });
      return id;
    },

    getRefusedEdit(dbname: string, multiSessionId: number, id: number): RefusedEdit | undefined {
      return statements.getRefusedEdit.get({ dbname, multiSessionId, id });
    },

    resolveRefusedEdit(id: number, status: Exclude<RefusedEditStatus, "open">, reappliedRevision: number | null, at: number): void {
      statements.resolveRefusedEdit.run({ id, status, reappliedRevision, at });
    },
  };
}
