/** Column lists aliased to the contracts' field names, shared by the sync state's and the operator's reads. */
export const MULTI_SESSION_COLUMNS = "dbname, multi_session_id AS multiSessionId, run_id AS runId, order_id AS orderId";
export const TERMINAL_COLUMNS = "dbname, pos_id AS posId, multi_session_id AS multiSessionId, user_id AS userId, message_id AS messageId";
export const ORDER_COLUMNS = "dbname, multi_session_id AS multiSessionId, uid, message, revision_id AS revisionId, run_id AS runId, nonce, state";
export const REFUSED_EDIT_COLUMNS = `id, dbname, multi_session_id AS multiSessionId, uid, action, reason, message, pos_id AS posId,
  session_id AS sessionId, login_number AS loginNumber, user_id AS userId, at, typed_revision AS typedRevision,
  server_revision AS serverRevision, server_state AS serverState, status, reapplied_revision AS reappliedRevision,
  resolved_at AS resolvedAt`;
export const SESSION_KEY = "dbname = :dbname AND multi_session_id = :multiSessionId";

export type SessionKey = { dbname: string; multiSessionId: number };
export type OrderKey = SessionKey & { uid: string };
