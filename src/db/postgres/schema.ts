import { bigint, index, integer, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

/** Milliseconds since the epoch: past 2^31, within 2^53. */
const millis = (name: string) => bigint(name, { mode: "number" });

/**
 * Bus notifications. Ids are per database (`dbname`, the first element of the channel; "" for a
 * channel that names none): one poll names the channels of one database only, so ids need to be
 * gapless and in commit order there, not across shops. They come from notificationCounters,
 * never from a sequence: a sequence hands ids out before commit, so a reader could see id 8
 * before id 7 commits and skip it.
 */
export const busNotifications = pgTable(
  "bus_notifications",
  {
    dbname: text("dbname").notNull(),
    id: bigint("id", { mode: "number" }).notNull(),
    channel: text("channel").notNull(),
    message: text("message").notNull(),
    createdAt: millis("created_at").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.dbname, table.id] }),
    index("bus_notifications_channel_id").on(table.channel, table.id),
    index("bus_notifications_created_at").on(table.createdAt),
  ],
);

/**
 * One row per database: the last notification id handed out there. A transaction takes its ids
 * by updating its database's row last, so it holds that row's lock until it commits: a
 * database's ids commit in ascending order, without gaps, and other databases never wait on it.
 */
export const notificationCounters = pgTable("notification_counters", {
  dbname: text("dbname").primaryKey(),
  lastId: bigint("last_id", { mode: "number" }).notNull(),
});

export const multiSessions = pgTable(
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
export const terminals = pgTable(
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

export const orders = pgTable(
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
    /** Insertion order, so sync_all lists drafts in the order they were created, as SQLite's rowid does. */
    createdSeq: bigint("created_seq", { mode: "number" }).generatedAlwaysAsIdentity(),
  },
  (table) => [
    primaryKey({ columns: [table.dbname, table.multiSessionId, table.uid] }),
    index("orders_state_run").on(table.dbname, table.multiSessionId, table.state, table.runId),
  ],
);

/** Terminals seen polling, so a backend can reach every terminal of a database. */
export const knownTerminals = pgTable(
  "known_terminals",
  {
    dbname: text("dbname").notNull(),
    posId: text("pos_id").notNull(),
    lastSeen: millis("last_seen").notNull(),
  },
  (table) => [primaryKey({ columns: [table.dbname, table.posId] })],
);

/** The content of each order's recent revisions, for the opt-in merge of concurrent edits (POS_SYNC_MERGE). */
export const orderRevisions = pgTable(
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
export const nodes = pgTable("nodes", {
  nodeId: text("node_id").primaryKey(),
  hostname: text("hostname").notNull(),
  pid: integer("pid").notNull(),
  version: text("version").notNull(),
  url: text("url").notNull(),
  startedAt: millis("started_at").notNull(),
  lastSeen: millis("last_seen").notNull(),
  heldPolls: integer("held_polls").notNull(),
  terminalsOnline: integer("terminals_online").notNull(),
});

/**
 * Updates refused with revision_error (and uid collisions), kept with what the cashier typed so
 * an operator can re-apply or dismiss them: the last 200 of each multi-session and all of the
 * current day (pruned as rows are written).
 */
export const refusedEdits = pgTable(
  "refused_edits",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
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
    at: millis("at").notNull(),
    typedRevision: integer("typed_revision"),
    serverRevision: integer("server_revision"),
    serverState: text("server_state"),
    status: text("status", { enum: ["open", "reapplied", "dismissed"] })
      .notNull()
      .default("open"),
    reappliedRevision: integer("reapplied_revision"),
    resolvedAt: millis("resolved_at"),
  },
  (table) => [index("refused_edits_session").on(table.dbname, table.multiSessionId, table.id)],
);

/**
 * Shop keys added at run time (PUT /pos_sync/keys/<dbname>, `pos-sync keys set`): the key's
 * SHA-256 digest in hex, never the key itself.
 */
export const shopKeys = pgTable("shop_keys", {
  dbname: text("dbname").primaryKey(),
  keyDigest: text("key_digest").notNull(),
  updatedAt: millis("updated_at").notNull(),
});

/**
 * The run-time fault rules (test features), shared so a rule added through any node applies on
 * every node. `fired` is the cluster's count: a node takes one firing with a conditional
 * UPDATE, so a rule with a count fires that many times in all, whichever nodes serve the requests.
 */
export const faultRules = pgTable("fault_rules", {
  id: text("id").primaryKey(),
  /** The rule as GET /pos_sync/faults lists it (JSON), without fired. */
  rule: text("rule").notNull(),
  until: millis("until"),
  count: integer("count"),
  fired: integer("fired").notNull().default(0),
  /** Rules are tried in the order they were added. */
  addedSeq: bigint("added_seq", { mode: "number" }).generatedAlwaysAsIdentity(),
});

/**
 * What each node has seen of each terminal's polls, PINGs and acknowledgements (src/console/presence.ts), written
 * in batches at a bounded rate, so every node's console can tell a terminal polling another node.
 */
export const terminalPresence = pgTable(
  "terminal_presence",
  {
    dbname: text("dbname").notNull(),
    posId: text("pos_id").notNull(),
    nodeId: text("node_id").notNull(),
    heldPolls: integer("held_polls").notNull(),
    lastPollAt: millis("last_poll_at"),
    lastPingAt: millis("last_ping_at"),
    lastPongAt: millis("last_pong_at"),
    clientAddress: text("client_address"),
    deliveredId: bigint("delivered_id", { mode: "number" }),
    acknowledgedId: bigint("acknowledged_id", { mode: "number" }),
    unacknowledged: integer("unacknowledged").notNull().default(0),
    unacknowledgedSince: millis("unacknowledged_since"),
    updatedAt: millis("updated_at").notNull(),
  },
  (table) => [primaryKey({ columns: [table.dbname, table.posId, table.nodeId] }), index("terminal_presence_updated_at").on(table.updatedAt)],
);
