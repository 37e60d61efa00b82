import { and, desc, eq, gte, lt, lte, sql } from "drizzle-orm";
import { openDatabase, type Connection } from "./connection.ts";
import { knownTerminals, multiSessions, notificationIdFloor, notifications, orders, terminals } from "./schema.ts";
import { startCheckpointer, type Checkpointer } from "./checkpointer.ts";
import { GroupCommit } from "./group-commit.ts";
import { NotificationIds } from "./notification-ids.ts";
import type { MultiSession, NewNotification, Notification, Order, Store, StoreTx, Terminal } from "../store.ts";

const channelIn = (placeholder: string) => sql`${notifications.channel} IN (SELECT value FROM json_each(${sql.placeholder(placeholder)}))`;

/** The embedded store: one SQLite file (or :memory:), every statement prepared once. */
export class SqliteStore implements Store {
  readonly kind = "sqlite";
  private readonly connection: Connection;
  private readonly statements;
  private readonly tx: StoreTx;
  private readonly commits: GroupCommit;
  private readonly checkpointer: Checkpointer | undefined;
  private readonly ids: NotificationIds;

  constructor(path: string, options: { synchronous?: "normal" | "full" } = {}) {
    const synchronous = options.synchronous ?? "normal";
    this.connection = openDatabase(path, synchronous);
    this.checkpointer = path === ":memory:" ? undefined : startCheckpointer(path, synchronous);
    this.statements = prepareStatements(this.connection);
    this.ids = new NotificationIds(this.statements);
    this.tx = createTx(this.statements, this.connection, this.ids);
    this.commits = new GroupCommit(this.statements, () => this.connection.sqlite.inTransaction);
  }

  transaction<T>(work: (tx: StoreTx) => Promise<T>, onCommit?: (result: T) => void): Promise<T> {
    return this.commits.run(() => work(this.tx), onCommit);
  }

  notificationsAfter(channels: readonly string[], afterId: number, upToId: number): Promise<Notification[]> {
    return this.commits.read(() => this.statements.notificationsAfter.all({ channels: JSON.stringify(channels), afterId, upToId }));
  }

  notificationsBetween(afterId: number, upToId: number): Promise<Notification[]> {
    return this.commits.read(() => this.statements.notificationsBetween.all({ afterId, upToId }));
  }

  notificationsCreatedSince(channels: readonly string[], since: number, upToId: number): Promise<Notification[]> {
    return this.commits.read(() => this.statements.notificationsSince.all({ channels: JSON.stringify(channels), since, upToId }));
  }

  async lastNotificationId(): Promise<number> {
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

function prepareStatements({ db, sqlite }: Connection) {
  const sessionKey = (table: typeof orders | typeof terminals | typeof multiSessions) =>
    and(eq(table.dbname, sql.placeholder("dbname")), eq(table.multiSessionId, sql.placeholder("multiSessionId")));
  return {
    knownTerminals: sqlite.prepare<[string, string], { posId: string }>(
      `SELECT pos_id AS posId FROM known_terminals WHERE dbname = ?
       UNION SELECT CAST(pos_id AS TEXT) FROM terminals WHERE dbname = ?
       ORDER BY 1`,
    ),
    healthCheck: sqlite.prepare("SELECT 1 AS ok"),
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
      .where(and(channelIn("channels"), sql`${notifications.id} > ${sql.placeholder("afterId")}`, sql`${notifications.id} <= ${sql.placeholder("upToId")}`))
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
        and(channelIn("channels"), sql`${notifications.createdAt} >= ${sql.placeholder("since")}`, sql`${notifications.id} <= ${sql.placeholder("upToId")}`),
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
