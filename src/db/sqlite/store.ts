import { and, desc, eq, gte, lt, lte, sql } from "drizzle-orm";
import { openDatabase, type Connection } from "./connection.ts";
import { knownTerminals, multiSessions, notificationIdFloor, notifications, orderRevisions, orders, terminals } from "./schema.ts";
import type { Logger } from "../../log.ts";
import { startCheckpointer, type Checkpointer } from "./checkpointer.ts";
import { GroupCommit } from "./group-commit.ts";
import { NotificationIds } from "./notification-ids.ts";
import type { MultiSession, NewNotification, NodeHeartbeat, Notification, Order, OrderRevision, Store, StoreTx, Terminal } from "../store.ts";

const channelIn = (placeholder: string) => sql`${notifications.channel} IN (SELECT value FROM json_each(${sql.placeholder(placeholder)}))`;

export interface SqliteStoreOptions {
  synchronous?: "normal" | "full";
  /** Where background failures (WAL checkpoints) are reported; without it, process warnings. */
  log?: Pick<Logger, "warn">;
  /** The lowest last id to start from: idFloorAt(now) in a server (see id-floor.ts). */
  idFloor?: number;
}

/**
 * The embedded store: one SQLite file (or :memory:). Statements are prepared once, except the
 * order and terminal upserts, which drizzle builds per call.
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite";
  private readonly connection: Connection;
  private readonly statements;
  private readonly tx: StoreTx;
  private readonly commits: GroupCommit;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly ids: NotificationIds;

  constructor(path: string, options: SqliteStoreOptions = {}) {
    const synchronous = options.synchronous ?? "normal";
    this.connection = openDatabase(path, synchronous);
    const onFailure = (message: string) =>
      options.log
        ? options.log.warn({ db: path, error: message }, "WAL checkpoint failed")
        : process.emitWarning(`WAL checkpoint of ${path} failed: ${message}`);
    this.checkpointer = path === ":memory:" ? undefined : startCheckpointer(path, { synchronous, onFailure });
    this.statements = prepareStatements(this.connection);
    this.ids = new NotificationIds(this.statements, options.idFloor);
    this.tx = createTx(this.statements, this.connection, this.ids);
    this.commits = new GroupCommit(this.statements, () => this.connection.sqlite.inTransaction);
  }

  transaction<T>(work: (tx: StoreTx) => Promise<T>, onCommit?: (result: T) => void): Promise<T> {
    return this.commits.run(() => work(this.tx), onCommit);
  }

  notificationsAfter(channels: readonly string[], afterId: number, lastCommittedId: number): Promise<Notification[]> {
    return this.commits.read(() => this.statements.notificationsAfter.all({ channels: JSON.stringify(channels), afterId, lastCommittedId }));
  }

  notificationsBetween(afterId: number, upToId: number): Promise<Notification[]> {
    return this.commits.read(() => this.statements.notificationsBetween.all({ afterId, upToId }));
  }

  notificationsCreatedSince(channels: readonly string[], since: number, lastCommittedId: number): Promise<Notification[]> {
    return this.commits.read(() => this.statements.notificationsSince.all({ channels: JSON.stringify(channels), since, lastCommittedId }));
  }

  async lastCommittedId(): Promise<number> {
    await this.commits.flushed();
    return this.commits.read(() => this.ids.lastStored());
  }

  deleteNotificationsUpTo(createdAt: number): Promise<number[]> {
    return this.commits.run(() => {
      const upToId = this.ids.lastCreatedUpTo(createdAt);
      if (upToId === 0) return [];
      this.statements.saveIdFloor.run({ lastId: this.ids.lastStored() });
      return this.statements.deleteUpToId.all({ upToId }).map((row) => row.id);
    });
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

  saveNodeHeartbeat(node: NodeHeartbeat): Promise<void> {
    return this.commits.run(() => {
      this.statements.saveNodeHeartbeat.run(node);
    });
  }

  listNodes(seenSince: number): Promise<NodeHeartbeat[]> {
    return this.commits.read(() => this.statements.listNodes.all(seenSince));
  }

  isHealthy(): Promise<boolean> {
    return this.commits.read(() => this.statements.healthCheck.get() !== undefined);
  }

  async close(): Promise<void> {
    await this.commits.flushed();
    await this.checkpointer?.stop();
    await this.commits.read(() => {
      if (this.connection.sqlite.open) this.connection.sqlite.close();
    });
  }
}

type Statements = ReturnType<typeof prepareStatements>;

const NODE_COLUMNS = `node_id AS nodeId, hostname, pid, version, url, started_at AS startedAt, last_seen AS lastSeen,
  held_polls AS heldPolls, terminals_online AS terminalsOnline`;

function prepareStatements({ db, sqlite }: Connection) {
  const sessionKey = (table: typeof orders | typeof terminals | typeof multiSessions | typeof orderRevisions) =>
    and(eq(table.dbname, sql.placeholder("dbname")), eq(table.multiSessionId, sql.placeholder("multiSessionId")));
  return {
    knownTerminals: sqlite.prepare<[string, string], { posId: string }>(
      `SELECT pos_id AS posId FROM known_terminals WHERE dbname = ?
       UNION SELECT CAST(pos_id AS TEXT) FROM terminals WHERE dbname = ?
       ORDER BY 1`,
    ),
    healthCheck: sqlite.prepare("SELECT 1 AS ok"),
    saveNodeHeartbeat: sqlite.prepare<[NodeHeartbeat]>(
      `INSERT INTO nodes (node_id, hostname, pid, version, url, started_at, last_seen, held_polls, terminals_online)
       VALUES (:nodeId, :hostname, :pid, :version, :url, :startedAt, :lastSeen, :heldPolls, :terminalsOnline)
       ON CONFLICT (node_id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, version = excluded.version,
         url = excluded.url, started_at = excluded.started_at, last_seen = excluded.last_seen,
         held_polls = excluded.held_polls, terminals_online = excluded.terminals_online`,
    ),
    listNodes: sqlite.prepare<[number], NodeHeartbeat>(`SELECT ${NODE_COLUMNS} FROM nodes WHERE last_seen >= ? ORDER BY node_id`),
    databaseNames: sqlite.prepare<[], { dbname: string }>("SELECT dbname FROM multi_sessions UNION SELECT dbname FROM known_terminals ORDER BY 1"),
    multiSessionsOf: sqlite.prepare<[string], MultiSession>(
      `SELECT dbname, multi_session_id AS multiSessionId, run_id AS runId, order_id AS orderId
       FROM multi_sessions WHERE dbname = ? ORDER BY multi_session_id`,
    ),
    terminalsOf: sqlite.prepare<[string], Terminal>(
      `SELECT dbname, pos_id AS posId, multi_session_id AS multiSessionId, user_id AS userId, message_id AS messageId
       FROM terminals WHERE dbname = ? ORDER BY pos_id`,
    ),
    openOrders: sqlite.prepare<[string, number], Order>(
      `SELECT dbname, multi_session_id AS multiSessionId, uid, message, revision_id AS revisionId, run_id AS runId, nonce, state
       FROM orders WHERE dbname = ? AND multi_session_id = ? AND state = 'draft' ORDER BY rowid`,
    ),
    begin: sqlite.prepare("BEGIN IMMEDIATE"),
    commit: sqlite.prepare("COMMIT"),
    rollback: sqlite.prepare("ROLLBACK"),
    savepoint: sqlite.prepare("SAVEPOINT request"),
    release: sqlite.prepare("RELEASE request"),
    rollbackToSavepoint: sqlite.prepare("ROLLBACK TO request"),
    insertNotification: db
      .insert(notifications)
      .values({
        id: sql.placeholder("id"),
        channel: sql.placeholder("channel"),
        message: sql.placeholder("message"),
        createdAt: sql.placeholder("createdAt"),
      })
      .prepare(),
    lastNotification: db
      .select({ id: notifications.id, createdAt: notifications.createdAt })
      .from(notifications)
      .orderBy(desc(notifications.id))
      .limit(1)
      .prepare(),
    firstNotificationFrom: db
      .select({ id: notifications.id, createdAt: notifications.createdAt })
      .from(notifications)
      .where(gte(notifications.id, sql.placeholder("id")))
      .orderBy(notifications.id)
      .limit(1)
      .prepare(),
    idFloor: db.select({ lastId: notificationIdFloor.lastId }).from(notificationIdFloor).prepare(),
    saveIdFloor: db
      .insert(notificationIdFloor)
      .values({ singleton: 1, lastId: sql.placeholder("lastId") })
      .onConflictDoUpdate({ target: notificationIdFloor.singleton, set: { lastId: sql`excluded.last_id` } })
      .prepare(),
    deleteUpToId: db
      .delete(notifications)
      .where(lte(notifications.id, sql.placeholder("upToId")))
      .returning({ id: notifications.id })
      .prepare(),
    notificationsAfter: db
      .select({ id: notifications.id, channel: notifications.channel, message: notifications.message })
      .from(notifications)
      .where(
        and(channelIn("channels"), sql`${notifications.id} > ${sql.placeholder("afterId")}`, sql`${notifications.id} <= ${sql.placeholder("lastCommittedId")}`),
      )
      .orderBy(notifications.id)
      .prepare(),
    notificationsBetween: db
      .select({ id: notifications.id, channel: notifications.channel, message: notifications.message })
      .from(notifications)
      .where(and(sql`${notifications.id} > ${sql.placeholder("afterId")}`, sql`${notifications.id} <= ${sql.placeholder("upToId")}`))
      .orderBy(notifications.id)
      .prepare(),
    notificationsSince: db
      .select({ id: notifications.id, channel: notifications.channel, message: notifications.message })
      .from(notifications)
      .where(
        and(
          channelIn("channels"),
          sql`${notifications.createdAt} >= ${sql.placeholder("since")}`,
          sql`${notifications.id} <= ${sql.placeholder("lastCommittedId")}`,
        ),
      )
      .orderBy(notifications.id)
      .prepare(),
    rememberTerminal: db
      .insert(knownTerminals)
      .values({ dbname: sql.placeholder("dbname"), posId: sql.placeholder("posId"), lastSeen: sql.placeholder("seenAt") })
      .onConflictDoUpdate({ target: [knownTerminals.dbname, knownTerminals.posId], set: { lastSeen: sql`excluded.last_seen` } })
      .prepare(),
    getMultiSession: db.select().from(multiSessions).where(sessionKey(multiSessions)).prepare(),
    insertMultiSession: db
      .insert(multiSessions)
      .values({ dbname: sql.placeholder("dbname"), multiSessionId: sql.placeholder("multiSessionId") })
      .returning()
      .prepare(),
    saveMultiSession: db
      .update(multiSessions)
      .set({ runId: sql`${sql.placeholder("runId")}`, orderId: sql`${sql.placeholder("orderId")}` })
      .where(sessionKey(multiSessions))
      .prepare(),
    markOlderDraftsUnpaid: db
      .update(orders)
      .set({ state: "unpaid" })
      .where(and(sessionKey(orders), eq(orders.state, "draft"), lt(orders.runId, sql.placeholder("runId"))))
      .prepare(),
    getOrder: db
      .select()
      .from(orders)
      .where(and(sessionKey(orders), eq(orders.uid, sql.placeholder("uid"))))
      .prepare(),
    listDraftOrders: db
      .select()
      .from(orders)
      .where(and(sessionKey(orders), eq(orders.state, "draft"), eq(orders.runId, sql.placeholder("runId"))))
      .orderBy(sql`rowid`)
      .prepare(),
    saveRevision: db
      .insert(orderRevisions)
      .values({
        dbname: sql.placeholder("dbname"),
        multiSessionId: sql.placeholder("multiSessionId"),
        uid: sql.placeholder("uid"),
        revisionId: sql.placeholder("revisionId"),
        message: sql.placeholder("message"),
        nonce: sql.placeholder("nonce"),
        sessionId: sql.placeholder("sessionId"),
        loginNumber: sql.placeholder("loginNumber"),
        posId: sql.placeholder("posId"),
      })
      .onConflictDoUpdate({
        target: [orderRevisions.dbname, orderRevisions.multiSessionId, orderRevisions.uid, orderRevisions.revisionId],
        set: {
          message: sql`excluded.message`,
          nonce: sql`excluded.nonce`,
          sessionId: sql`excluded.session_id`,
          loginNumber: sql`excluded.login_number`,
          posId: sql`excluded.pos_id`,
        },
      })
      .prepare(),
    pruneRevisions: db
      .delete(orderRevisions)
      .where(and(sessionKey(orderRevisions), eq(orderRevisions.uid, sql.placeholder("uid")), lte(orderRevisions.revisionId, sql.placeholder("upTo"))))
      .prepare(),
    getRevision: db
      .select()
      .from(orderRevisions)
      .where(and(sessionKey(orderRevisions), eq(orderRevisions.uid, sql.placeholder("uid")), eq(orderRevisions.revisionId, sql.placeholder("revisionId"))))
      .prepare(),
    listRevisionsSince: db
      .select()
      .from(orderRevisions)
      .where(
        and(
          sessionKey(orderRevisions),
          eq(orderRevisions.uid, sql.placeholder("uid")),
          sql`${orderRevisions.revisionId} > ${sql.placeholder("afterRevisionId")}`,
        ),
      )
      .orderBy(orderRevisions.revisionId)
      .prepare(),
    getTerminal: db
      .select()
      .from(terminals)
      .where(and(eq(terminals.dbname, sql.placeholder("dbname")), eq(terminals.posId, sql.placeholder("posId"))))
      .prepare(),
    listTerminals: db.select().from(terminals).where(sessionKey(terminals)).orderBy(terminals.posId).prepare(),
    incrementMessageIds: db
      .update(terminals)
      .set({ messageId: sql`${terminals.messageId} + 1` })
      .where(sessionKey(terminals))
      .returning()
      .prepare(),
  };
}

function createTx(statements: Statements, { db }: Connection, ids: NotificationIds): StoreTx {
  return {
    insertNotifications(items: readonly NewNotification[], now: number): Notification[] {
      return items.map(({ channel, message }) => {
        const { id, createdAt } = ids.next(now);
        statements.insertNotification.run({ id, channel, message, createdAt });
        return { id, channel, message };
      });
    },

    getOrCreateMultiSession(dbname: string, multiSessionId: number): MultiSession {
      return statements.getMultiSession.get({ dbname, multiSessionId }) ?? statements.insertMultiSession.get({ dbname, multiSessionId })!;
    },

    saveMultiSession(session: MultiSession): void {
      statements.saveMultiSession.run({ ...session });
    },

    markOlderDraftsUnpaid(dbname: string, multiSessionId: number, runId: number): void {
      statements.markOlderDraftsUnpaid.run({ dbname, multiSessionId, runId });
    },

    getOrder(dbname: string, multiSessionId: number, uid: string): Order | undefined {
      return statements.getOrder.get({ dbname, multiSessionId, uid });
    },

    saveOrder(order: Order): void {
      const { dbname, multiSessionId, uid, ...rest } = order;
      db.insert(orders)
        .values(order)
        .onConflictDoUpdate({ target: [orders.dbname, orders.multiSessionId, orders.uid], set: rest })
        .run();
    },

    listDraftOrders(dbname: string, multiSessionId: number, runId: number): Order[] {
      return statements.listDraftOrders.all({ dbname, multiSessionId, runId });
    },

    saveRevision(revision: OrderRevision, keep: number): void {
      statements.saveRevision.run({ ...revision });
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
      const { dbname, posId, ...rest } = terminal;
      db.insert(terminals)
        .values(terminal)
        .onConflictDoUpdate({ target: [terminals.dbname, terminals.posId], set: rest })
        .run();
    },

    listTerminals(dbname: string, multiSessionId: number): Terminal[] {
      return statements.listTerminals.all({ dbname, multiSessionId });
    },

    incrementMessageIds(dbname: string, multiSessionId: number): Terminal[] {
      return statements.incrementMessageIds.all({ dbname, multiSessionId });
    },
  };
}
