import type Database from "better-sqlite3";
import { openDatabase } from "./connection.ts";
import type { Logger } from "../../log.ts";
import { startCheckpointer, type Checkpointer } from "./checkpointer.ts";
import { ChannelIndex } from "./channel-index.ts";
import { readChannels } from "./channel-reads.ts";
import { GroupCommit } from "./group-commit.ts";
import { NotificationIds } from "./notification-ids.ts";
import type {
  DeletedNotification,
  KnownTerminal,
  MultiSession,
  MultiSessionCount,
  NewNotification,
  NewRefusedEdit,
  NodeHeartbeat,
  Notification,
  Order,
  OrderRevision,
  RefusedEdit,
  RefusedEditCount,
  RefusedEditRetention,
  RefusedEditStatus,
  ShopKeyDigest,
  ScopeId,
  Store,
  StoreTx,
  Terminal,
} from "../store.ts";

export interface SqliteStoreOptions {
  synchronous?: "normal" | "full";
  /** Where background failures (WAL checkpoints) are reported; without it, process warnings. */
  log?: Pick<Logger, "warn">;
  /** The lowest last id to start from: idFloorAt(now) in a server (see id-floor.ts). */
  idFloor?: number;
}

/**
 * The embedded store: one SQLite file (or :memory:). Every statement, the upserts included, is
 * plain SQL prepared once on better-sqlite3; drizzle only declares the schema and migrates it.
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite";
  /** One node, one writer: one id sequence for every channel. */
  readonly idsPerDatabase = false;
  private readonly sqlite: Database.Database;
  private readonly statements;
  private readonly tx: StoreTx;
  private readonly commits: GroupCommit;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly ids: NotificationIds;
  /** The ids of every stored notification by channel: the table has no channel index (migration 0003). */
  private readonly channels = new ChannelIndex();
  /** What the running transaction inserted: added to `channels` once it commits. */
  private inserted: Notification[] = [];

  constructor(path: string, options: SqliteStoreOptions = {}) {
    const synchronous = options.synchronous ?? "normal";
    this.sqlite = openDatabase(path, synchronous);
    const onFailure = (message: string) =>
      options.log
        ? options.log.warn({ db: path, error: message }, "WAL checkpoint failed")
        : process.emitWarning(`WAL checkpoint of ${path} failed: ${message}`);
    this.checkpointer = path === ":memory:" ? undefined : startCheckpointer(path, { synchronous, onFailure });
    this.statements = prepareStatements(this.sqlite);
    this.ids = new NotificationIds(this.statements, options.idFloor);
    for (const [id, channel] of this.statements.idsAndChannels.iterate() as Iterable<[number, string]>) this.channels.add(channel, id);
    this.tx = createTx(this.statements, this.ids, (sent) => {
      for (const notification of sent) this.inserted.push(notification);
    });
    this.commits = new GroupCommit(this.statements, () => this.sqlite.inTransaction);
  }

  private readonly read = <T>(query: () => T): Promise<T> => this.commits.read(query);

  async transaction<T>(work: (tx: StoreTx) => Promise<T>, onCommit?: (result: T) => void): Promise<T> {
    const { result } = await this.commits.run(
      async () => {
        // Transactions run one at a time (the group commit's lock): what is inserted now is this one's.
        this.inserted = [];
        const result = await work(this.tx);
        return { result, inserted: this.inserted };
      },
      ({ result, inserted }) => {
        for (const notification of inserted) this.channels.add(notification.channel, notification.id);
        onCommit?.(result);
      },
    );
    return result;
  }

  notificationsAfter(channels: readonly string[], afterId: number, lastCommittedId: number): Promise<Notification[]> {
    return readChannels(this.statements, this.channels, this.read, channels, afterId, lastCommittedId);
  }

  idScopeOf(_channel: string): string {
    return "";
  }

  notificationsBetween(afterId: number, upToId: number, _scope: string): Promise<Notification[]> {
    return this.commits.read(() => this.statements.notificationsBetween.all({ afterId, upToId }));
  }

  async notificationsCreatedSince(channels: readonly string[], since: number, lastCommittedId: number): Promise<Notification[]> {
    const before = await this.commits.read(() => this.ids.lastCreatedUpTo(since - 1));
    return readChannels(this.statements, this.channels, this.read, channels, before, lastCommittedId);
  }

  async lastCommittedId(_scope: string): Promise<number> {
    await this.commits.flushed();
    return this.commits.read(() => this.ids.lastStored());
  }

  async lastCommittedIds(): Promise<ScopeId[]> {
    return [{ scope: "", lastId: await this.lastCommittedId("") }];
  }

  async deleteNotificationsUpTo(createdAt: number): Promise<DeletedNotification[]> {
    const { deleted } = await this.commits.run(
      () => {
        const upToId = this.ids.lastCreatedUpTo(createdAt);
        if (upToId === 0) return { upToId, deleted: [] as DeletedNotification[] };
        this.statements.saveIdFloor.run({ lastId: this.ids.lastStored() });
        return { upToId, deleted: this.statements.deleteUpToId.all({ upToId }).map((row) => ({ scope: "", id: row.id })) };
      },
      ({ upToId }) => this.channels.forgetUpTo(upToId),
    );
    return deleted;
  }

  rememberTerminals(dbname: string, posIds: readonly string[], seenAt: number): Promise<void> {
    return this.commits.run(() => {
      for (const posId of posIds) this.statements.rememberTerminal.run({ dbname, posId, seenAt });
    });
  }

  knownTerminals(dbname: string): Promise<string[]> {
    return this.commits.read(() => this.statements.knownTerminals.all(dbname, dbname).map((row) => row.posId));
  }

  databaseNames(): Promise<string[]> {
    return this.commits.read(() => this.statements.databaseNames.all().map((row) => row.dbname));
  }

  multiSessionsOf(dbname: string): Promise<MultiSession[]> {
    return this.commits.read(() => this.statements.multiSessionsOf.all(dbname));
  }

  terminalsOf(dbname: string): Promise<Terminal[]> {
    return this.commits.read(() => this.statements.terminalsOf.all(dbname));
  }

  openOrders(dbname: string, multiSessionId: number): Promise<Order[]> {
    return this.commits.read(() => this.statements.openOrders.all(dbname, multiSessionId));
  }

  refusedEdits(dbname: string, multiSessionId: number, uid?: string): Promise<RefusedEdit[]> {
    return this.commits.read(() =>
      uid === undefined
        ? this.statements.refusedEdits.all({ dbname, multiSessionId })
        : this.statements.refusedEditsOfOrder.all({ dbname, multiSessionId, uid }),
    );
  }

  endedRunOrders(dbname: string, multiSessionId: number): Promise<Order[]> {
    return this.commits.read(() => this.statements.endedRunOrders.all({ dbname, multiSessionId }));
  }

  multiSessionCounts(): Promise<MultiSessionCount[]> {
    return this.commits.read(() => this.statements.multiSessionCounts.all());
  }

  knownTerminalsOfAll(): Promise<KnownTerminal[]> {
    return this.commits.read(() => this.statements.knownTerminalsOfAll.all());
  }

  refusedEditCounts(since: number, dbname?: string): Promise<RefusedEditCount[]> {
    return this.commits.read(() =>
      dbname === undefined ? this.statements.refusedEditCounts.all({ since }) : this.statements.refusedEditCountsOf.all({ since, dbname }),
    );
  }

  saveNodeHeartbeat(node: NodeHeartbeat): Promise<void> {
    return this.commits.run(() => {
      this.statements.saveNodeHeartbeat.run(node);
    });
  }

  listNodes(seenSince: number): Promise<NodeHeartbeat[]> {
    return this.commits.read(() => this.statements.listNodes.all(seenSince));
  }

  saveShopKey(key: ShopKeyDigest): Promise<void> {
    return this.commits.run(() => {
      this.statements.saveShopKey.run(key);
    });
  }

  deleteShopKey(dbname: string): Promise<boolean> {
    return this.commits.run(() => this.statements.deleteShopKey.run(dbname).changes > 0);
  }

  listShopKeys(): Promise<ShopKeyDigest[]> {
    return this.commits.read(() => this.statements.listShopKeys.all());
  }

  isHealthy(): Promise<boolean> {
    return this.commits.read(() => this.statements.healthCheck.get() !== undefined);
  }

  async close(): Promise<void> {
    await this.commits.flushed();
    await this.checkpointer?.stop();
    await this.commits.read(() => {
      if (this.sqlite.open) this.sqlite.close();
    });
  }
}

type Statements = ReturnType<typeof prepareStatements>;

type SessionKey = { dbname: string; multiSessionId: number };
type OrderKey = SessionKey & { uid: string };
type NotificationRange = { afterId: number; upToId: number };
type IdRow = { id: number; createdAt: number };

const NOTIFICATION_COLUMNS = "id, channel, message";
const MULTI_SESSION_COLUMNS = "dbname, multi_session_id AS multiSessionId, run_id AS runId, order_id AS orderId";
const TERMINAL_COLUMNS = "dbname, pos_id AS posId, multi_session_id AS multiSessionId, user_id AS userId, message_id AS messageId";
const ORDER_COLUMNS = "dbname, multi_session_id AS multiSessionId, uid, message, revision_id AS revisionId, run_id AS runId, nonce, state";
const REVISION_COLUMNS = `dbname, multi_session_id AS multiSessionId, uid, revision_id AS revisionId, message, nonce,
  session_id AS sessionId, login_number AS loginNumber, pos_id AS posId`;
const NODE_COLUMNS = `node_id AS nodeId, hostname, pid, version, url, started_at AS startedAt, last_seen AS lastSeen,
  held_polls AS heldPolls, terminals_online AS terminalsOnline`;
const REFUSED_EDIT_COLUMNS = `id, dbname, multi_session_id AS multiSessionId, uid, action, reason, message, pos_id AS posId,
  session_id AS sessionId, login_number AS loginNumber, user_id AS userId, at, typed_revision AS typedRevision,
  server_revision AS serverRevision, server_state AS serverState, status, reapplied_revision AS reappliedRevision,
  resolved_at AS resolvedAt`;
const SESSION_KEY = "dbname = :dbname AND multi_session_id = :multiSessionId";

/** Plain SQL prepared once: drizzle's prepared-query wrapper cost about 14 % of the main thread under saturation (docs/performance.md). */
function prepareStatements(sqlite: Database.Database) {
  return {
    knownTerminals: sqlite.prepare<[string, string], { posId: string }>(
      `SELECT pos_id AS posId FROM known_terminals WHERE dbname = ?
       UNION SELECT CAST(pos_id AS TEXT) FROM terminals WHERE dbname = ?
       ORDER BY 1`,
    ),
    healthCheck: sqlite.prepare("SELECT 1 AS ok"),
    saveShopKey: sqlite.prepare<[ShopKeyDigest]>(
      `INSERT INTO shop_keys (dbname, key_digest, updated_at) VALUES (:dbname, :keyDigest, :updatedAt)
       ON CONFLICT (dbname) DO UPDATE SET key_digest = excluded.key_digest, updated_at = excluded.updated_at`,
    ),
    deleteShopKey: sqlite.prepare<[string]>("DELETE FROM shop_keys WHERE dbname = ?"),
    listShopKeys: sqlite.prepare<[], ShopKeyDigest>("SELECT dbname, key_digest AS keyDigest, updated_at AS updatedAt FROM shop_keys ORDER BY dbname"),
    saveNodeHeartbeat: sqlite.prepare<[NodeHeartbeat]>(
      `INSERT INTO nodes (node_id, hostname, pid, version, url, started_at, last_seen, held_polls, terminals_online)
       VALUES (:nodeId, :hostname, :pid, :version, :url, :startedAt, :lastSeen, :heldPolls, :terminalsOnline)
       ON CONFLICT (node_id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, version = excluded.version,
         url = excluded.url, started_at = excluded.started_at, last_seen = excluded.last_seen,
         held_polls = excluded.held_polls, terminals_online = excluded.terminals_online`,
    ),
    listNodes: sqlite.prepare<[number], NodeHeartbeat>(`SELECT ${NODE_COLUMNS} FROM nodes WHERE last_seen >= ? ORDER BY node_id`),
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
    begin: sqlite.prepare("BEGIN IMMEDIATE"),
    commit: sqlite.prepare("COMMIT"),
    rollback: sqlite.prepare("ROLLBACK"),
    savepoint: sqlite.prepare("SAVEPOINT request"),
    release: sqlite.prepare("RELEASE request"),
    rollbackToSavepoint: sqlite.prepare("ROLLBACK TO request"),
    insertNotification: sqlite.prepare<[id: number, channel: string, message: string, createdAt: number]>(
      "INSERT INTO notifications (id, channel, message, created_at) VALUES (?, ?, ?, ?)",
    ),
    lastNotification: sqlite.prepare<[], IdRow>("SELECT id, created_at AS createdAt FROM notifications ORDER BY id DESC LIMIT 1"),
    firstNotificationFrom: sqlite.prepare<{ id: number }, IdRow>("SELECT id, created_at AS createdAt FROM notifications WHERE id >= :id ORDER BY id LIMIT 1"),
    idFloor: sqlite.prepare<[], { lastId: number }>("SELECT last_id AS lastId FROM notification_id_floor"),
    saveIdFloor: sqlite.prepare<{ lastId: number }>(
      "INSERT INTO notification_id_floor (singleton, last_id) VALUES (1, :lastId) ON CONFLICT (singleton) DO UPDATE SET last_id = excluded.last_id",
    ),
    deleteUpToId: sqlite.prepare<{ upToId: number }, { id: number }>("DELETE FROM notifications WHERE id <= :upToId RETURNING id"),
    notificationById: sqlite.prepare<[number], Notification>(`SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE id = ?`),
    idsAndChannels: sqlite.prepare<[], [number, string]>("SELECT id, channel FROM notifications ORDER BY id").raw(),
    notificationsBetween: sqlite.prepare<NotificationRange, Notification>(
      `SELECT ${NOTIFICATION_COLUMNS} FROM notifications WHERE id > :afterId AND id <= :upToId ORDER BY id`,
    ),
    rememberTerminal: sqlite.prepare<{ dbname: string; posId: string; seenAt: number }>(
      `INSERT INTO known_terminals (dbname, pos_id, last_seen) VALUES (:dbname, :posId, :seenAt)
       ON CONFLICT (dbname, pos_id) DO UPDATE SET last_seen = excluded.last_seen`,
    ),
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
    incrementMessageIds: sqlite.prepare<SessionKey, Terminal>(
      `UPDATE terminals SET message_id = message_id + 1 WHERE ${SESSION_KEY} RETURNING ${TERMINAL_COLUMNS}`,
    ),
  };
}

function createTx(statements: Statements, ids: NotificationIds, inserted: (sent: Notification[]) => void): StoreTx {
  return {
    insertNotifications(items: readonly NewNotification[], now: number): Notification[] {
      const sent = items.map(({ channel, message }) => {
        const { id, createdAt } = ids.next(now);
        statements.insertNotification.run(id, channel, message, createdAt);
        return { id, channel, message };
      });
      inserted(sent);
      return sent;
    },

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

    incrementMessageIds(dbname: string, multiSessionId: number): Terminal[] {
      return statements.incrementMessageIds.all({ dbname, multiSessionId });
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
