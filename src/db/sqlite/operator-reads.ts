import type Database from "better-sqlite3";
import type { KnownTerminal, MultiSessionCount, RefusedEditCount } from "../contracts/operator-reads.ts";
import type { MultiSession, Order, RefusedEdit, Terminal } from "../contracts/sync-state.ts";
import { MULTI_SESSION_COLUMNS, ORDER_COLUMNS, type OrderKey, REFUSED_EDIT_COLUMNS, SESSION_KEY, type SessionKey, TERMINAL_COLUMNS } from "./columns.ts";

/**
 * The statements of OperatorReads (SqliteStore runs them, outside any transaction).
 * @internal: no declaration is written, its statement types cannot be named outside better-sqlite3.
 */
export function prepareOperatorReads(sqlite: Database.Database) {
  return {
    databaseNames: sqlite.prepare<[], { dbname: string }>("SELECT dbname FROM multi_sessions UNION SELECT dbname FROM known_terminals ORDER BY 1"),
    multiSessionsOf: sqlite.prepare<[string], MultiSession>(`SELECT ${MULTI_SESSION_COLUMNS} FROM multi_sessions WHERE dbname = ? ORDER BY multi_session_id`),
    terminalsOf: sqlite.prepare<[string], Terminal>(`SELECT ${TERMINAL_COLUMNS} FROM terminals WHERE dbname = ? ORDER BY pos_id`),
    openOrders: sqlite.prepare<[string, number], Order>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE dbname = ? AND multi_session_id = ? AND state = 'draft' ORDER BY rowid`,
    ),
    refusedEdits: sqlite.prepare<SessionKey, RefusedEdit>(`SELECT ${REFUSED_EDIT_COLUMNS} FROM refused_edits WHERE ${SESSION_KEY} ORDER BY id DESC`),
    refusedEditsOfOrder: sqlite.prepare<OrderKey, RefusedEdit>(
      `SELECT ${REFUSED_EDIT_COLUMNS} FROM refused_edits WHERE ${SESSION_KEY} AND uid = :uid ORDER BY id DESC`,
    ),
    endedRunOrders: sqlite.prepare<SessionKey, Order>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE ${SESSION_KEY} AND state = 'unpaid' ORDER BY rowid`),
    multiSessionCounts: sqlite.prepare<[], MultiSessionCount>("SELECT dbname, count(*) AS multiSessions FROM multi_sessions GROUP BY dbname"),
    knownTerminalsOfAll: sqlite.prepare<[], KnownTerminal>(
      "SELECT dbname, pos_id AS posId FROM known_terminals UNION SELECT dbname, CAST(pos_id AS TEXT) FROM terminals",
    ),
    refusedEditCounts: sqlite.prepare<{ since: number }, RefusedEditCount>(
      "SELECT dbname, multi_session_id AS multiSessionId, count(*) AS count FROM refused_edits WHERE at >= :since GROUP BY dbname, multi_session_id",
    ),
    refusedEditCountsOf: sqlite.prepare<{ since: number; dbname: string }, RefusedEditCount>(
      `SELECT dbname, multi_session_id AS multiSessionId, count(*) AS count FROM refused_edits
       WHERE dbname = :dbname AND at >= :since GROUP BY dbname, multi_session_id`,
    ),
  };
}
