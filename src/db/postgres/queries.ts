/**
 * The statements of the PostgreSQL store run outside the sync state (sync-state.ts has those),
 * as named prepared statements (parsed once per connection). Column names are aliased to the
 * contracts' field names.
 */
import { notificationColumns, orderColumns, presenceColumns, refusedEditColumns, sessionColumns, terminalColumns } from "./columns.ts";
import { advisoryKey } from "./connection.ts";

/** Room for the rows in a NOTIFY payload: 8,000 bytes, less the node id, database name and last id before them. */
const NOTIFY_ROWS_MAX_BYTES = 7000;

export interface Query {
  name: string;
  text: string;
}

/** Each statement as a named prepared statement, "pos_sync_<key>". */
export function named<S extends Record<string, string>>(statements: S): { [name in keyof S]: Query } {
  return Object.fromEntries(Object.entries(statements).map(([name, text]) => [name, { name: `pos_sync_${name}`, text }])) as { [name in keyof S]: Query };
}

/**
 * The end of both notification inserts: the NOTIFY that PostgreSQL delivers to the other nodes
 * at commit, in commit order, and the inserted rows as the answer. Its payload is
 * "<node>:<dbname>:<last id>", followed by ":" and the rows as JSON ([[id, channel, message],
 * ...]) when they fit (a payload must stay under 8,000 bytes), so the other nodes need not read
 * them back from the table. A CTE with a volatile function is computed once: one NOTIFY.
 */
const NOTIFY_AND_ANSWER = `, rows AS (
      SELECT coalesce(json_agg(json_build_array(id, channel, message) ORDER BY id)::text, '[]') AS json FROM inserted
    ), notified AS (
      SELECT pg_notify($5::text, $4::text || $7::text || ':' || counter.last_id::text
        || CASE WHEN octet_length(rows.json) <= ${NOTIFY_ROWS_MAX_BYTES} THEN ':' || rows.json ELSE '' END) AS sent
      FROM counter, rows
    )
    SELECT ${notificationColumns} FROM inserted, notified ORDER BY id`;

export const queries = named({
  // NotificationLog (contracts/notification-log.ts)
  lastCommittedId: `SELECT last_id AS "lastId" FROM notification_counters WHERE dbname = $1`,
  lastCommittedIds: `SELECT dbname AS scope, last_id AS "lastId" FROM notification_counters`,
  /** notificationsAfter/CreatedSince need no dbname: a channel names its database. */
  notificationsBetween: `SELECT ${notificationColumns} FROM bus_notifications WHERE dbname = $3 AND id > $1 AND id <= $2 ORDER BY id`,
  notificationsAfter: `SELECT ${notificationColumns} FROM bus_notifications WHERE channel = ANY($1::text[]) AND id > $2 AND id <= $3 ORDER BY id`,
  /**
   * `created_at + 0` keeps the planner off the created_at index: on a table whose statistics lag
   * (just filled) it ANDed that index's bitmap with the channel's, reading every notification of
   * every shop in the window (20,000 rows for a quiet channel's poll in
   * test/postgres/channel-reads.test.ts). Through (channel, id) alone a poll reads its channels'
   * rows only.
   */
  notificationsCreatedSince: `SELECT ${notificationColumns} FROM bus_notifications
    WHERE channel = ANY($1::text[]) AND created_at + 0 >= $2 AND id <= $3 ORDER BY id`,
  /**
   * Ids come from the counter row of the database ($7), whose lock this transaction then holds
   * until it commits; the first commit of a database creates its row. The NOTIFY
   * ("<node>:<dbname>:<last id>") is delivered by PostgreSQL at commit, in commit order. $6 is the
   * id floor of the node (idFloorAt its start), so ids keep moving forward after a restore.
   */
  insertNotifications: `WITH counter AS (
      INSERT INTO notification_counters AS c (dbname, last_id) VALUES ($7::text, GREATEST($6::bigint, 0) + cardinality($1::text[]))
      ON CONFLICT (dbname) DO UPDATE SET last_id = GREATEST(c.last_id, $6::bigint) + cardinality($1::text[])
      RETURNING c.last_id - cardinality($1::text[]) AS first_id, c.last_id
    ), inserted AS (
      INSERT INTO bus_notifications (dbname, id, channel, message, created_at)
      SELECT $7::text, counter.first_id + item.ord, item.channel, item.message, $3::bigint
      FROM counter, unnest($1::text[], $2::text[]) WITH ORDINALITY AS item(channel, message, ord)
      RETURNING ${notificationColumns}
    )
    ${NOTIFY_AND_ANSWER}`,
  /**
   * insertNotifications with session messages among the items (SessionMessage): $8 `after`,
   * $9 multi-session and $10 pos_id (NULL: every terminal) are set for those, NULL for
   * notifications given whole; $11 is the database's pos.multi_session channel up to the pos_id.
   * The terminals' counters go up in this statement, so a broadcast takes no round trip of its
   * own; the multi-session's row lock (lockMultiSession) keeps two transactions of one session
   * from counting at once, and the UPDATE counts on the row as it is then (a terminal moved
   * away meanwhile is skipped and gets nothing).
   */
  insertSessionNotifications: `WITH item AS (
      SELECT * FROM unnest($1::text[], $2::text[], $8::text[], $9::int[], $10::int[]) WITH ORDINALITY
        AS item(channel, message, after, multi_session_id, pos_id, ord)
    ), reached AS (
      SELECT item.ord, t.pos_id, t.multi_session_id, row_number() OVER (PARTITION BY t.pos_id ORDER BY item.ord) AS k
      FROM item JOIN terminals t ON t.dbname = $7::text AND t.multi_session_id = item.multi_session_id
        AND (item.pos_id IS NULL OR t.pos_id = item.pos_id)
      WHERE item.after IS NOT NULL
    ), counted AS (
      UPDATE terminals t SET message_id = t.message_id + r.n
      FROM (SELECT pos_id, multi_session_id, count(*) AS n FROM reached GROUP BY pos_id, multi_session_id) AS r
      WHERE t.dbname = $7::text AND t.pos_id = r.pos_id AND t.multi_session_id = r.multi_session_id
      RETURNING t.pos_id, t.message_id - r.n AS base
    ), expanded AS (
      SELECT item.ord, 0 AS pos_id, item.channel, item.message FROM item WHERE item.after IS NULL
      UNION ALL
      SELECT reached.ord, reached.pos_id, $11::text || reached.pos_id || '"]', item.message || (counted.base + reached.k) || item.after
      FROM reached JOIN counted USING (pos_id) JOIN item USING (ord)
    ), numbered AS (
      SELECT row_number() OVER (ORDER BY ord, pos_id) AS n, channel, message FROM expanded
    ), counter AS (
      INSERT INTO notification_counters AS c (dbname, last_id) VALUES ($7::text, GREATEST($6::bigint, 0) + (SELECT count(*) FROM numbered))
      ON CONFLICT (dbname) DO UPDATE SET last_id = GREATEST(c.last_id, $6::bigint) + (SELECT count(*) FROM numbered)
      RETURNING c.last_id - (SELECT count(*) FROM numbered) AS first_id, c.last_id
    ), inserted AS (
      INSERT INTO bus_notifications (dbname, id, channel, message, created_at)
      SELECT $7::text, counter.first_id + numbered.n, numbered.channel, numbered.message, $3::bigint
      FROM counter, numbered
      RETURNING ${notificationColumns}
    )
    ${NOTIFY_AND_ANSWER}`,
  tryRetentionLock: `SELECT pg_try_advisory_xact_lock(${advisoryKey("retention")}) AS locked`,
  deleteUpTo: `DELETE FROM bus_notifications WHERE created_at <= $1 RETURNING dbname AS scope, id`,
  /** "<node>:forget:<id>": every node forgets the deleted notifications from memory, then answers with notifyForgot. */
  notify: `SELECT pg_notify($1::text, $2::text)`,
  // SeenTerminals and SharedPresence (contracts/terminals.ts)
  /** DISTINCT: one poll may name a terminal twice, and ON CONFLICT cannot touch a row twice in one statement. */
  rememberTerminals: `INSERT INTO known_terminals (dbname, pos_id, last_seen)
    SELECT $1::text, pos_id, $3::bigint FROM (SELECT DISTINCT unnest($2::text[]) AS pos_id) AS polled
    ON CONFLICT (dbname, pos_id) DO UPDATE SET last_seen = excluded.last_seen`,
  knownTerminals: `SELECT pos_id AS "posId" FROM known_terminals WHERE dbname = $1
    UNION SELECT pos_id::text FROM terminals WHERE dbname = $1 ORDER BY 1`,
  /** One statement for a node's whole batch; DISTINCT ON because ON CONFLICT cannot touch a row twice. */
  savePresence: `INSERT INTO terminal_presence
      (dbname, pos_id, node_id, held_polls, last_poll_at, last_ping_at, last_pong_at, client_address, delivered_id, acknowledged_id,
       unacknowledged, unacknowledged_since, updated_at)
    SELECT DISTINCT ON (dbname, pos_id) dbname, pos_id, $3::text, held_polls, last_poll_at, last_ping_at, last_pong_at, client_address,
      delivered_id, acknowledged_id, unacknowledged, unacknowledged_since, $9::bigint
    FROM unnest($1::text[], $2::text[], $4::int[], $5::bigint[], $6::bigint[], $7::bigint[], $8::text[], $10::bigint[], $11::bigint[],
        $12::int[], $13::bigint[])
      AS row(dbname, pos_id, held_polls, last_poll_at, last_ping_at, last_pong_at, client_address, delivered_id, acknowledged_id,
        unacknowledged, unacknowledged_since)
    ON CONFLICT (dbname, pos_id, node_id) DO UPDATE SET held_polls = excluded.held_polls, last_poll_at = excluded.last_poll_at,
      last_ping_at = excluded.last_ping_at, last_pong_at = excluded.last_pong_at, client_address = excluded.client_address,
      delivered_id = excluded.delivered_id, acknowledged_id = excluded.acknowledged_id, unacknowledged = excluded.unacknowledged,
      unacknowledged_since = excluded.unacknowledged_since, updated_at = excluded.updated_at`,
  presenceOf: `SELECT ${presenceColumns} FROM terminal_presence WHERE dbname = $1 AND updated_at >= $2`,
  presenceOfUnacknowledged: `SELECT ${presenceColumns} FROM terminal_presence p WHERE updated_at >= $1 AND EXISTS (
      SELECT 1 FROM terminal_presence q WHERE q.dbname = p.dbname AND q.pos_id = p.pos_id AND q.unacknowledged > 0 AND q.updated_at >= $1)`,
  presenceSince: `SELECT ${presenceColumns} FROM terminal_presence WHERE updated_at >= $1 AND node_id <> $2`,
  prunePresence: `DELETE FROM terminal_presence WHERE updated_at < $1`,
  // OperatorReads (contracts/operator-reads.ts)
  databaseNames: `SELECT dbname FROM multi_sessions UNION SELECT dbname FROM known_terminals ORDER BY 1`,
  multiSessionsOf: `SELECT ${sessionColumns} FROM multi_sessions WHERE dbname = $1 ORDER BY multi_session_id`,
  terminalsOf: `SELECT ${terminalColumns} FROM terminals WHERE dbname = $1 ORDER BY pos_id`,
  openOrders: `SELECT ${orderColumns} FROM orders WHERE dbname = $1 AND multi_session_id = $2 AND state = 'draft' ORDER BY created_seq`,
  refusedEdits: `SELECT ${refusedEditColumns} FROM refused_edits WHERE dbname = $1 AND multi_session_id = $2 ORDER BY id DESC`,
  refusedEditsOfOrder: `SELECT ${refusedEditColumns} FROM refused_edits WHERE dbname = $1 AND multi_session_id = $2 AND uid = $3 ORDER BY id DESC`,
  endedRunOrders: `SELECT ${orderColumns} FROM orders WHERE dbname = $1 AND multi_session_id = $2 AND state = 'unpaid' ORDER BY created_seq`,
  /** count(*) is a bigint, which pg hands over as text. */
  multiSessionCounts: `SELECT dbname, count(*)::int AS "multiSessions" FROM multi_sessions GROUP BY dbname`,
  knownTerminalsOfAll: `SELECT dbname, pos_id AS "posId" FROM known_terminals UNION SELECT dbname, pos_id::text FROM terminals`,
  refusedEditCounts: `SELECT dbname, multi_session_id AS "multiSessionId", count(*)::int AS count FROM refused_edits
    WHERE at >= $1 GROUP BY dbname, multi_session_id`,
  refusedEditCountsOf: `SELECT dbname, multi_session_id AS "multiSessionId", count(*)::int AS count FROM refused_edits
    WHERE dbname = $2 AND at >= $1 GROUP BY dbname, multi_session_id`,
  // NodeHeartbeats and SharedFaultRules (contracts/cluster.ts)
  saveNodeHeartbeat: `INSERT INTO nodes (node_id, hostname, pid, version, url, started_at, last_seen, held_polls, terminals_online)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (node_id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, version = excluded.version,
      url = excluded.url, started_at = excluded.started_at, last_seen = excluded.last_seen,
      held_polls = excluded.held_polls, terminals_online = excluded.terminals_online`,
  listNodes: `SELECT node_id AS "nodeId", hostname, pid, version, url, started_at AS "startedAt", last_seen AS "lastSeen",
    held_polls AS "heldPolls", terminals_online AS "terminalsOnline" FROM nodes WHERE last_seen >= $1 ORDER BY node_id`,
  addFaultRule: `INSERT INTO fault_rules (id, rule, until, count) VALUES ($1, $2, $3, $4)`,
  listFaultRules: `SELECT id, rule, until, count, fired FROM fault_rules ORDER BY added_seq`,
  deleteFaultRule: `DELETE FROM fault_rules WHERE id = $1`,
  deleteFaultRules: `DELETE FROM fault_rules`,
  /** The row lock makes two nodes' firings of one rule take turns: a count is never exceeded. */
  takeFaultFiring: `UPDATE fault_rules SET fired = fired + 1 WHERE id = $1 AND (count IS NULL OR fired < count) RETURNING fired`,
  // ShopKeys (contracts/shop-keys.ts)
  saveShopKey: `INSERT INTO shop_keys (dbname, key_digest, updated_at) VALUES ($1, $2, $3)
    ON CONFLICT (dbname) DO UPDATE SET key_digest = excluded.key_digest, updated_at = excluded.updated_at`,
  deleteShopKey: `DELETE FROM shop_keys WHERE dbname = $1 RETURNING dbname`,
  listShopKeys: `SELECT dbname, key_digest AS "keyDigest", updated_at AS "updatedAt" FROM shop_keys ORDER BY dbname`,
  // The store's own
  healthCheck: `SELECT 1`,
});
