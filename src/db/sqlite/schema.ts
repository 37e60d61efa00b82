import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Bus notifications. The store hands out ids itself (see notificationIdFloor), and created_at
 * never decreases with id, so age is found by binary search on the key instead of an index.
 * No index on channel either: see src/db/sqlite/channel-scan.ts.
 */
export const notifications = sqliteTable("notifications", {
  id: integer("id").primaryKey(),
  channel: text("channel").notNull(),
  message: text("message").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** The highest notification id ever issued, written before GC deletes: ids are never reused. */
export const notificationIdFloor = sqliteTable("notification_id_floor", {
  singleton: integer("singleton").primaryKey(),
  lastId: integer("last_id").notNull(),
});

export const multiSessions = sqliteTable(
  "multi_sessions",
  {
    dbname: text("dbname").notNull(),
    multiSessionId: integer("multi_session_id").notNull(),
    runId: integer("run_id").notNull().default(1),
    orderId: integer("order_id").notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.dbname, table.multiSessionId] })],
);

/** A terminal belongs to one multi-session of its database at a time. */
export const terminals = sqliteTable(
  "terminals",
  {
    dbname: text("dbname").notNull(),
    posId: integer("pos_id").notNull(),
    multiSessionId: integer("multi_session_id").notNull(),
    userId: integer("user_id").notNull(),
    messageId: integer("message_id").notNull().default(1),
  },
  (table) => [primaryKey({ columns: [table.dbname, table.posId] }), index("terminals_multi_session").on(table.dbname, table.multiSessionId)],
);

export const orders = sqliteTable(
  "orders",
  {
    dbname: text("dbname").notNull(),
    multiSessionId: integer("multi_session_id").notNull(),
    uid: text("uid").notNull(),
    message: text("message").notNull(),
    revisionId: integer("revision_id").notNull().default(1),
    runId: integer("run_id").notNull(),
    nonce: text("nonce"),
    state: text("state", { enum: ["draft", "deleted", "unpaid"] })
      .notNull()
      .default("draft"),
  },
  (table) => [
    primaryKey({ columns: [table.dbname, table.multiSessionId, table.uid] }),
    index("orders_state_run").on(table.dbname, table.multiSessionId, table.state, table.runId),
  ],
);

/** Terminals seen polling, so a backend can reach every terminal of a database. */
export const knownTerminals = sqliteTable(
  "known_terminals",
  {
    dbname: text("dbname").notNull(),
    posId: text("pos_id").notNull(),
    lastSeen: integer("last_seen").notNull(),
  },
  (table) => [primaryKey({ columns: [table.dbname, table.posId] })],
);

/**
 * The content of each order's recent revisions and the terminal that wrote them, kept so a
 * stale update can be merged (POS_SYNC_MERGE). Written with the order, pruned to the newest few.
 */
export const orderRevisions = sqliteTable(
  "order_revisions",
  {
    dbname: text("dbname").notNull(),
    multiSessionId: integer("multi_session_id").notNull(),
    uid: text("uid").notNull(),
    revisionId: integer("revision_id").notNull(),
    message: text("message").notNull(),
    nonce: text("nonce"),
    sessionId: integer("session_id"),
    loginNumber: integer("login_number"),
    posId: integer("pos_id"),
  },
  (table) => [primaryKey({ columns: [table.dbname, table.multiSessionId, table.uid, table.revisionId] })],
);

/** One row per server node, rewritten every few seconds: the console lists the cluster from it. */
export const nodes = sqliteTable("nodes", {
  nodeId: text("node_id").primaryKey(),
  hostname: text("hostname").notNull(),
  pid: integer("pid").notNull(),
  version: text("version").notNull(),
  url: text("url").notNull(),
  startedAt: integer("started_at").notNull(),
  lastSeen: integer("last_seen").notNull(),
  heldPolls: integer("held_polls").notNull(),
  terminalsOnline: integer("terminals_online").notNull(),
});

/**
 * Updates refused with revision_error (and uid collisions), kept with what the cashier typed so
 * an operator can re-apply or dismiss them: the last 200 of each multi-session and all of the
 * current day (pruned as rows are written).
 */
export const refusedEdits = sqliteTable(
  "refused_edits",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    dbname: text("dbname").notNull(),
    multiSessionId: integer("multi_session_id").notNull(),
    uid: text("uid").notNull(),
    action: text("action").notNull(),
    reason: text("reason", { enum: ["revision_error", "uid_collision"] }).notNull(),
    message: text("message").notNull(),
    posId: integer("pos_id"),
    sessionId: integer("session_id"),
    loginNumber: integer("login_number"),
    userId: integer("user_id").notNull(),
    at: integer("at").notNull(),
    typedRevision: integer("typed_revision"),
    serverRevision: integer("server_revision"),
    serverState: text("server_state"),
    status: text("status", { enum: ["open", "reapplied", "dismissed"] })
      .notNull()
      .default("open"),
    reappliedRevision: integer("reapplied_revision"),
    resolvedAt: integer("resolved_at"),
  },
  (table) => [index("refused_edits_session").on(table.dbname, table.multiSessionId, table.id)],
);

/**
 * Shop keys added at run time (PUT /pos_sync/keys/<dbname>, `pos-sync keys set`): the key's
 * SHA-256 digest in hex, never the key itself.
 */
export const shopKeys = sqliteTable("shop_keys", {
  dbname: text("dbname").primaryKey(),
  keyDigest: text("key_digest").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
