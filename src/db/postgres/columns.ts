/** Column lists aliased to the contracts' field names, shared by the sync state's and the operator's reads. */
export const notificationColumns = `id, channel, message`;
export const sessionColumns = `dbname, multi_session_id AS "multiSessionId", run_id AS "runId", order_id AS "orderId"`;
export const orderColumns = `dbname, multi_session_id AS "multiSessionId", uid, message, revision_id AS "revisionId", run_id AS "runId", nonce, state`;
export const terminalColumns = `dbname, pos_id AS "posId", multi_session_id AS "multiSessionId", user_id AS "userId", message_id AS "messageId"`;

export const refusedEditColumns = `id, dbname, multi_session_id AS "multiSessionId", uid, action, reason, message, pos_id AS "posId",
  session_id AS "sessionId", login_number AS "loginNumber", user_id AS "userId", at, typed_revision AS "typedRevision",
  server_revision AS "serverRevision", server_state AS "serverState", status, reapplied_revision AS "reappliedRevision",
  resolved_at AS "resolvedAt"`;

export const presenceColumns = `dbname, pos_id AS "posId", node_id AS "nodeId", held_polls AS "heldPolls", last_poll_at AS "lastPollAt",
  last_ping_at AS "lastPingAt", last_pong_at AS "lastPongAt", client_address AS "clientAddress", delivered_id AS "deliveredId",
  acknowledged_id AS "acknowledgedId", unacknowledged, unacknowledged_since AS "unacknowledgedSince", updated_at AS "updatedAt"`;
