/**
 * What the bus and the sync rules need from storage: the SQLite store (one process) and the
 * PostgreSQL store (any number of processes on one database) implement it, so every method
 * may return a promise.
 */
export type Awaitable<T> = T | Promise<T>;

/** A stored bus notification; `message` is its JSON text, relayed to pollers as is. */
export interface Notification {
  id: number;
  channel: string;
  message: string;
}

export interface NewNotification {
  channel: string;
  message: string;
}

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

/** Reads and writes inside one transaction. */
export interface StoreTx {
  /**
   * Stores the notifications with new ids: strictly increasing, never reused (also after GC and
   * restarts), and above idFloorAt(the wall-clock time the store was opened) (id-floor.ts), so
   * ids keep moving forward when the database itself is replaced.
   * `last`: nothing else runs in this transaction after it, so the store may commit with it.
   */
  insertNotifications(items: readonly NewNotification[], createdAt: number, last?: boolean): Awaitable<Notification[]>;

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
  /** Adds one to the message counter of every terminal of the multi-session; returns them as updated. */
  incrementMessageIds(dbname: string, multiSessionId: number): Awaitable<Terminal[]>;

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

/** Told of commits made by other processes sharing the database. */
export interface CommitWatcher {
  /** Every notification id of id scope `scope` up to `lastId` is committed. */
  committed(scope: string, lastId: number): void;
  /** Another process deleted notifications (test GC, retention): forget what memory holds (synchronously; the store then tells the deleter). */
  forgotten?(): void;
  /** Wake-ups may have been lost (the listening connection was down): read the latest id again. */
  reconnected(): void;
}

/**
 * Promises every store keeps:
 * - Transactions are atomic (all of their writes land, or none do). Transactions that touch one
 *   multi-session never interleave (SQLite runs one at a time; PostgreSQL locks the
 *   multi_sessions row in getOrCreateMultiSession until commit).
 * - Notification ids belong to an id scope (idScopeOf(channel)): one for all channels on SQLite,
 *   one per database on PostgreSQL, so shops commit in parallel there. A poll names channels of
 *   one scope only. Within a scope, ids commit in ascending order without gaps and are never
 *   reused, also across restarts and after every notification was deleted: once id N is
 *   committed, every id below N is committed (or was never handed out, or rolled back), so a
 *   reader that has seen N never misses a lower id later, whatever order concurrent
 *   transactions commit in.
 * - `onCommit` runs after the commit. On SQLite it runs before any later transaction commits;
 *   on PostgreSQL (several connections) callbacks may run in another order than the commits,
 *   which the bus's commit feed puts back in order.
 * - Reads stop at the committed id: `lastCommittedId` is the highest notification id of the
 *   scope whose commit the caller has seen, and a read never returns a notification above it, even if a
 *   later transaction has already written one. A poll thus never sees a notification before
 *   the wake-up for it, nor one that may still roll back.
 */
export interface Store {
  readonly kind: "sqlite" | "postgres";
  /** Whether ids are counted per database: then a poll naming channels of two databases is refused. */
  readonly idsPerDatabase: boolean;
  /** The id scope of a channel: "" for every channel on SQLite; its database ("" when it names none) on PostgreSQL. */
  idScopeOf(channel: string): string;

  /** Runs `work` in one transaction; `onCommit` gets its result once it is committed. */
  transaction<T>(work: (tx: StoreTx) => Promise<T>, onCommit?: (result: T) => void): Promise<T>;

  /** The notifications of id scope `scope` with afterId < id <= upToId, in id order. */
  notificationsBetween(afterId: number, upToId: number, scope: string): Awaitable<Notification[]>;
  /** Starts telling `watcher` of other processes' commits; returns the stopper. Absent when no other process writes. */
  watchCommits?(watcher: CommitWatcher): () => void;
  /**
   * Waits until `otherNodes` other processes have told that they forgot what this process's
   * latest deleteNotificationsUpTo deleted (their recent-notifications memory; they are told by
   * that deletion's commit and answer by themselves). False after `timeoutMs`. Absent when no
   * other process shares the store.
   */
  othersForgot?(otherNodes: number, timeoutMs: number): Promise<boolean>;
  /** Whether commits by other processes are being heard (undefined when there are none to hear). */
  listening?(): boolean;

  /** The notifications on `channels` with afterId < id <= lastCommittedId, in id order. */
  notificationsAfter(channels: readonly string[], afterId: number, lastCommittedId: number): Awaitable<Notification[]>;
  /** The notifications on `channels` created at or after `since`, up to lastCommittedId, in id order. */
  notificationsCreatedSince(channels: readonly string[], since: number, lastCommittedId: number): Awaitable<Notification[]>;
  /** The highest id of `scope` committed so far (0 when none), once pending commits have landed. */
  lastCommittedId(scope: string): Awaitable<number>;
  /** lastCommittedId of every scope that has one: where a bus opening on the store starts. */
  lastCommittedIds(): Awaitable<ScopeId[]>;
  /**
   * Deletes the notifications created at or before `createdAt`; returns their scopes and ids. With several
   * processes one deletes at a time; the others delete nothing.
   */
  deleteNotificationsUpTo(createdAt: number): Awaitable<DeletedNotification[]>;

  rememberTerminals(dbname: string, posIds: readonly string[], seenAt: number): Awaitable<void>;
  /** Pos ids of a database, registered by sync_all or seen polling. */
  knownTerminals(dbname: string): Awaitable<string[]>;

  // Reads for the operator console (src/console/); outside any transaction, small and unordered promises.
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

  // The console's lists over every database at once (src/console/lists.ts): one read each, whatever the number of databases.
  /** How many multi-sessions each database has; databases without one are left out. Unordered. */
  multiSessionCounts(): Awaitable<MultiSessionCount[]>;
  /** knownTerminals of every database at once: each terminal registered by sync_all or seen polling, once. Unordered. */
  knownTerminalsOfAll(): Awaitable<KnownTerminal[]>;
  /** The refused edits made at or after `since` (epoch ms, whatever their status), counted per multi-session; of `dbname` only when given. Unordered. */
  refusedEditCounts(since: number, dbname?: string): Awaitable<RefusedEditCount[]>;

  /** Writes (or rewrites) this node's row of the node registry (src/console/node-registry.ts). */
  saveNodeHeartbeat(node: NodeHeartbeat): Awaitable<void>;
  /** The nodes whose last heartbeat is at or after `seenSince`, in node id order. */
  listNodes(seenSince: number): Awaitable<NodeHeartbeat[]>;

  // Shop keys added at run time (src/keys/); a few rows, read whole by every node's key cache.
  /** Writes (or replaces) a database's key digest; the key itself is never stored. */
  saveShopKey(key: ShopKeyDigest): Awaitable<void>;
  /** Deletes a database's key; whether there was one. */
  deleteShopKey(dbname: string): Awaitable<boolean>;
  /** Every stored key digest, in database name order. */
  listShopKeys(): Awaitable<ShopKeyDigest[]>;

  // Shared by the nodes of one database (PostgreSQL); absent on a store only one process opens,
  // where each node keeps these in memory.
  /** Adds a fault rule (src/faults/); it is tried after every rule added before it. */
  addFaultRule?(rule: SharedFaultRule): Promise<void>;
  /** Every fault rule, in the order they were added, with how often each fired in all. */
  listFaultRules?(): Promise<SharedFaultRule[]>;
  /** Deletes one rule, or every rule when `id` is undefined; returns how many were deleted. */
  deleteFaultRules?(id: string | undefined): Promise<number>;
  /** Counts one firing of a rule unless its count is used up (atomically, across nodes); false when used up or deleted. */
  takeFaultFiring?(id: string): Promise<boolean>;
  /** Writes this node's view of the terminals in `rows` (one statement), replacing its earlier rows of them. */
  savePresence?(rows: readonly PresenceRow[]): Promise<void>;
  /** Every node's rows of a database's terminals updated at or after `since`. */
  presenceOf?(dbname: string, since: number): Promise<PresenceRow[]>;
  /**
   * Every node's rows, of any database, of the terminals that some node's row updated at or after
   * `since` counts unacknowledged notifications for (`unacknowledged` > 0): what /metrics merges.
   */
  presenceOfUnacknowledged?(since: number): Promise<PresenceRow[]>;
  /** Every node's rows but `exceptNode`'s, of every database, updated at or after `since` (the console's database list). */
  presenceSince?(since: number, exceptNode: string): Promise<PresenceRow[]>;
  /** Deletes presence rows updated before `before`. */
  prunePresence?(before: number): Promise<void>;

  isHealthy(): Awaitable<boolean>;
  close(): Awaitable<void>;
}

export interface MultiSessionCount {
  dbname: string;
  multiSessions: number;
}

/** A terminal registered or seen polling; `posId` as text, as terminals seen polling are known. */
export interface KnownTerminal {
  dbname: string;
  posId: string;
}

export interface RefusedEditCount {
  dbname: string;
  multiSessionId: number;
  count: number;
}

/** A shop's key as stored: the hex SHA-256 digest of the key, and when it was set (epoch ms). */
export interface ShopKeyDigest {
  dbname: string;
  keyDigest: string;
  updatedAt: number;
}

/** An id of an id scope (Store.idScopeOf). */
export interface ScopeId {
  scope: string;
  lastId: number;
}

export interface DeletedNotification {
  scope: string;
  id: number;
}

/** A fault rule as the nodes share it; `rule` is its JSON as GET /pos_sync/faults lists it, without `fired`. */
export interface SharedFaultRule {
  id: string;
  rule: string;
  /** Epoch ms after which it no longer matches. */
  until: number | null;
  count: number | null;
  fired: number;
}

/** One node's view of one terminal (src/console/presence.ts); times are epoch milliseconds. */
export interface PresenceRow {
  dbname: string;
  posId: string;
  nodeId: string;
  heldPolls: number;
  lastPollAt: number | null;
  lastPingAt: number | null;
  lastPongAt: number | null;
  clientAddress: string | null;
  /** The newest notification id this node delivered to it. */
  deliveredId: number | null;
  /** The highest cursor (`last`) it polled this node with. */
  acknowledgedId: number | null;
  /** Notifications on its channels above acknowledgedId, as this node counts them. */
  unacknowledged: number;
  /** When this node had the oldest of them. */
  unacknowledgedSince: number | null;
  updatedAt: number;
}

/** A node's heartbeat row; times are epoch milliseconds. */
export interface NodeHeartbeat {
  nodeId: string;
  hostname: string;
  pid: number;
  version: string;
  url: string;
  startedAt: number;
  lastSeen: number;
  heldPolls: number;
  terminalsOnline: number;
}
