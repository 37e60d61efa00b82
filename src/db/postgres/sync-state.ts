import type pg from "pg";
import type {
  MultiSession,
  NewRefusedEdit,
  Order,
  OrderRevision,
  RefusedEdit,
  RefusedEditRetention,
  RefusedEditStatus,
  SyncState,
  Terminal,
} from "../contracts/sync-state.ts";
import { orderColumns, refusedEditColumns, sessionColumns, terminalColumns } from "./columns.ts";
import { named, type Query } from "./queries.ts";
import { step, type TxRound } from "./transaction-round.ts";

const revisionColumns = `dbname, multi_session_id AS "multiSessionId", uid, revision_id AS "revisionId", message, nonce,
  session_id AS "sessionId", login_number AS "loginNumber", pos_id AS "posId"`;

const queries = named({
  /** The row lock serialises every writer of the multi-session, on every node, until commit. */
  lockMultiSession: `SELECT ${sessionColumns} FROM multi_sessions WHERE dbname = $1 AND multi_session_id = $2 FOR UPDATE`,
  insertMultiSession: `INSERT INTO multi_sessions (dbname, multi_session_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
  saveMultiSession: `UPDATE multi_sessions SET run_id = $3, order_id = $4 WHERE dbname = $1 AND multi_session_id = $2`,
  markOlderDraftsUnpaid: `UPDATE orders SET state = 'unpaid'
    WHERE dbname = $1 AND multi_session_id = $2 AND state = 'draft' AND run_id < $3`,
  getOrder: `SELECT ${orderColumns} FROM orders WHERE dbname = $1 AND multi_session_id = $2 AND uid = $3`,
  saveOrder: `INSERT INTO orders (dbname, multi_session_id, uid, message, revision_id, run_id, nonce, state)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (dbname, multi_session_id, uid) DO UPDATE SET
      message = excluded.message, revision_id = excluded.revision_id, run_id = excluded.run_id,
      nonce = excluded.nonce, state = excluded.state`,
  listDraftOrders: `SELECT ${orderColumns} FROM orders
    WHERE dbname = $1 AND multi_session_id = $2 AND state = 'draft' AND run_id = $3 ORDER BY created_seq`,
  getTerminal: `SELECT ${terminalColumns} FROM terminals WHERE dbname = $1 AND pos_id = $2`,
  saveTerminal: `INSERT INTO terminals (dbname, pos_id, multi_session_id, user_id, message_id) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (dbname, pos_id) DO UPDATE SET
      multi_session_id = excluded.multi_session_id, user_id = excluded.user_id, message_id = excluded.message_id`,
  listTerminals: `SELECT ${terminalColumns} FROM terminals WHERE dbname = $1 AND multi_session_id = $2 ORDER BY pos_id`,
  saveRevision: `INSERT INTO order_revisions (dbname, multi_session_id, uid, revision_id, message, nonce, session_id, login_number, pos_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (dbname, multi_session_id, uid, revision_id) DO UPDATE SET
      message = excluded.message, nonce = excluded.nonce, session_id = excluded.session_id,
      login_number = excluded.login_number, pos_id = excluded.pos_id`,
  pruneRevisions: `DELETE FROM order_revisions WHERE dbname = $1 AND multi_session_id = $2 AND uid = $3 AND revision_id <= $4`,
  getRevision: `SELECT ${revisionColumns} FROM order_revisions WHERE dbname = $1 AND multi_session_id = $2 AND uid = $3 AND revision_id = $4`,
  listRevisionsSince: `SELECT ${revisionColumns} FROM order_revisions
    WHERE dbname = $1 AND multi_session_id = $2 AND uid = $3 AND revision_id > $4 ORDER BY revision_id`,
  insertRefusedEdit: `INSERT INTO refused_edits (dbname, multi_session_id, uid, action, reason, message, pos_id, session_id, login_number,
      user_id, at, typed_revision, server_revision, server_state)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
  /** Walks the (dbname, multi_session_id, id) index from the newest: the rows past the kept ones, older than the day. */
  pruneRefusedEdits: `DELETE FROM refused_edits WHERE dbname = $1 AND multi_session_id = $2 AND at < $4 AND id <= (
      SELECT id FROM refused_edits WHERE dbname = $1 AND multi_session_id = $2 ORDER BY id DESC LIMIT 1 OFFSET $3)`,
  getRefusedEdit: `SELECT ${refusedEditColumns} FROM refused_edits WHERE dbname = $1 AND multi_session_id = $2 AND id = $3`,
  resolveRefusedEdit: `UPDATE refused_edits SET status = $2, reapplied_revision = $3, resolved_at = $4 WHERE id = $1`,
});

/** SyncState inside the transaction on `client`: each statement a step of its round (transaction-round.ts). */
export function syncStateOf(client: pg.ClientBase, round: TxRound): SyncState {
  const run = <R>(_client: pg.ClientBase, query: Query, values: unknown[]) => step<R>(client, round, query, values);
  return {
    async getOrCreateMultiSession(dbname: string, multiSessionId: number): Promise<MultiSession> {
      const [locked] = await run<MultiSession>(client, queries.lockMultiSession, [dbname, multiSessionId]);
      if (locked) return locked;
      await run(client, queries.insertMultiSession, [dbname, multiSessionId]);
      const [created] = await run<MultiSession>(client, queries.lockMultiSession, [dbname, multiSessionId]);
      return created!;
    },

    async saveMultiSession(session: MultiSession): Promise<void> {
      await run(client, queries.saveMultiSession, [session.dbname, session.multiSessionId, session.runId, session.orderId]);
    },

    async markOlderDraftsUnpaid(dbname: string, multiSessionId: number, runId: number): Promise<void> {
      await run(client, queries.markOlderDraftsUnpaid, [dbname, multiSessionId, runId]);
    },

    async getOrder(dbname: string, multiSessionId: number, uid: string): Promise<Order | undefined> {
      const [order] = await run<Order>(client, queries.getOrder, [dbname, multiSessionId, uid]);
      return order;
    },

    async saveOrder(order: Order): Promise<void> {
      const { dbname, multiSessionId, uid, message, revisionId, runId, nonce, state } = order;
      await run(client, queries.saveOrder, [dbname, multiSessionId, uid, message, revisionId, runId, nonce, state]);
    },

    listDraftOrders(dbname: string, multiSessionId: number, runId: number): Promise<Order[]> {
      return run<Order>(client, queries.listDraftOrders, [dbname, multiSessionId, runId]);
    },

    async saveRevision(revision: OrderRevision, keep: number): Promise<void> {
      const { dbname, multiSessionId, uid, revisionId, message, nonce, sessionId, loginNumber, posId } = revision;
      await run(client, queries.saveRevision, [dbname, multiSessionId, uid, revisionId, message, nonce, sessionId, loginNumber, posId]);
      await run(client, queries.pruneRevisions, [dbname, multiSessionId, uid, revisionId - keep]);
    },

    async getRevision(dbname: string, multiSessionId: number, uid: string, revisionId: number): Promise<OrderRevision | undefined> {
      const [revision] = await run<OrderRevision>(client, queries.getRevision, [dbname, multiSessionId, uid, revisionId]);
      return revision;
    },

    listRevisionsSince(dbname: string, multiSessionId: number, uid: string, afterRevisionId: number): Promise<OrderRevision[]> {
      return run<OrderRevision>(client, queries.listRevisionsSince, [dbname, multiSessionId, uid, afterRevisionId]);
    },

    async getTerminal(dbname: string, posId: number): Promise<Terminal | undefined> {
      const [terminal] = await run<Terminal>(client, queries.getTerminal, [dbname, posId]);
      return terminal;
    },

    async saveTerminal(terminal: Terminal): Promise<void> {
      const { dbname, posId, multiSessionId, userId, messageId } = terminal;
      await run(client, queries.saveTerminal, [dbname, posId, multiSessionId, userId, messageId]);
    },

    listTerminals(dbname: string, multiSessionId: number): Promise<Terminal[]> {
      return run<Terminal>(client, queries.listTerminals, [dbname, multiSessionId]);
    },

    async saveRefusedEdit(edit: NewRefusedEdit, retention: RefusedEditRetention): Promise<number> {
      const { dbname, multiSessionId } = edit;
      const [row] = await run<{ id: number }>(client, queries.insertRefusedEdit, [
        dbname,
        multiSessionId,
        edit.uid,
        edit.action,
        edit.reason,
        edit.message,
        edit.posId,
        edit.sessionId,
        edit.loginNumber,
        edit.userId,
        edit.at,
        edit.typedRevision,
        edit.serverRevision,
        edit.serverState,
      ]);
      await run(client, queries.pruneRefusedEdits, [dbname, multiSessionId, retention.keep, retention.keepSince]);
      return row!.id;
    },

    async getRefusedEdit(dbname: string, multiSessionId: number, id: number): Promise<RefusedEdit | undefined> {
      const [edit] = await run<RefusedEdit>(client, queries.getRefusedEdit, [dbname, multiSessionId, id]);
      return edit;
    },

    async resolveRefusedEdit(id: number, status: Exclude<RefusedEditStatus, "open">, reappliedRevision: number | null, at: number): Promise<void> {
      await run(client, queries.resolveRefusedEdit, [id, status, reappliedRevision, at]);
    },
  };
}
