import type Database from "better-sqlite3";
import { openDatabase } from "./connection.ts";
import type { Logger } from "../../log.ts";
import { startCheckpointer, type Checkpointer } from "./checkpointer.ts";
import { ChannelIndex } from "./channel-index.ts";
import { readChannels } from "./channel-reads.ts";
import { GroupCommit } from "./group-commit.ts";
import { NotificationIds } from "./notification-ids.ts";
import { prepareClusterRows } from "./cluster.ts";
import { prepareNotificationLog } from "./notification-log.ts";
import { prepareOperatorReads } from "./operator-reads.ts";
import { prepareSeenTerminals } from "./seen-terminals.ts";
import { countMessageIds, prepareSyncState, syncStateOf } from "./sync-state.ts";
import { CHANNEL, channelOf } from "../../protocol/channels.ts";
import type { NodeHeartbeat } from "../contracts/cluster.ts";
import { isSessionMessage } from "../contracts/notification-log.ts";
import type { DeletedNotification, NewNotification, Notification, OutgoingNotification, ScopeId } from "../contracts/notification-log.ts";
import type { ShopKeyDigest } from "../contracts/shop-keys.ts";
import type { MultiSession, Order, RefusedEdit, Terminal } from "../contracts/sync-state.ts";
import type { KnownTerminal, MultiSessionCount, RefusedEditCount, Store, StoreTx } from "../store.ts";

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

  // NotificationLog (contracts/notification-log.ts)
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

  // SeenTerminals (contracts/terminals.ts)
  rememberTerminals(dbname: string, posIds: readonly string[], seenAt: number): Promise<void> {
    return this.commits.run(() => {
      for (const posId of posIds) this.statements.rememberTerminal.run({ dbname, posId, seenAt });
    });
  }

  knownTerminals(dbname: string): Promise<string[]> {
    return this.commits.read(() => this.statements.knownTerminals.all(dbname, dbname).map((row) => row.posId));
  }

  // OperatorReads (contracts/operator-reads.ts)
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

  // NodeHeartbeats and ShopKeys (contracts/cluster.ts, contracts/shop-keys.ts)
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

/** Plain SQL prepared once, one file per contract: drizzle's prepared-query wrapper cost about 14 % of the main thread under saturation (docs/performance.md). */
function prepareStatements(sqlite: Database.Database) {
  return {
    ...prepareNotificationLog(sqlite),
    ...prepareSyncState(sqlite),
    ...prepareSeenTerminals(sqlite),
    ...prepareOperatorReads(sqlite),
    ...prepareClusterRows(sqlite),
    healthCheck: sqlite.prepare("SELECT 1 AS ok"),
    begin: sqlite.prepare("BEGIN IMMEDIATE"),
    commit: sqlite.prepare("COMMIT"),
    rollback: sqlite.prepare("ROLLBACK"),
    savepoint: sqlite.prepare("SAVEPOINT request"),
    release: sqlite.prepare("RELEASE request"),
    rollbackToSavepoint: sqlite.prepare("ROLLBACK TO request"),
  };
}

function createTx(statements: Statements, ids: NotificationIds, inserted: (sent: Notification[]) => void): StoreTx {
  return {
    insertNotifications(items: readonly OutgoingNotification[], now: number): Notification[] {
      const sent: Notification[] = [];
      const insert = ({ channel, message }: NewNotification) => {
        const { id, createdAt } = ids.next(now);
        statements.insertNotification.run(id, channel, message, createdAt);
        sent.push({ id, channel, message });
      };
      for (const item of items) {
        if (!isSessionMessage(item)) insert(item);
        else
          for (const { posId, messageId } of countMessageIds(statements, item)) {
            insert({ channel: channelOf(item.dbname, CHANNEL.multiSession, posId), message: item.before + messageId + item.after });
          }
      }
      inserted(sent);
      return sent;
    },
    ...syncStateOf(statements),
  };
}
