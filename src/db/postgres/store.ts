import { randomUUID } from "node:crypto";
import type pg from "pg";
import { CHANNEL, channelOf, parseChannel } from "../../protocol/channels.ts";
import type { SharedFaultRule, SharedFaultRules, NodeHeartbeat } from "../contracts/cluster.ts";
import { isSessionMessage } from "../contracts/notification-log.ts";
import type { CommitWatcher, CommitWatching, DeletedNotification, Notification, OutgoingNotification, ScopeId } from "../contracts/notification-log.ts";
import type { ShopKeyDigest } from "../contracts/shop-keys.ts";
import type { MultiSession, Order, RefusedEdit, Terminal } from "../contracts/sync-state.ts";
import type { PresenceRow, SharedPresence } from "../contracts/terminals.ts";
import type { KnownTerminal, MultiSessionCount, RefusedEditCount, Store, StoreTx } from "../store.ts";
import { CommitListener, type ListenerLog } from "./commit-listener.ts";
import { clientConfig, createPool, migrateDatabase, notifyChannel, type PostgresOptions } from "./connection.ts";
import { asStoreError } from "./errors.ts";
import { inlineQuery } from "./inline-query.ts";
import { queries, type Query } from "./queries.ts";
import { syncStateOf } from "./sync-state.ts";
import { rollback, run, step, type TxRound } from "./transaction-round.ts";

const silentLog: ListenerLog = { warn() {}, info() {} };

/**
 * The shared store: any number of nodes on one PostgreSQL database. The table is the truth;
 * NOTIFY only wakes the other nodes, which then read what was committed. Beside the Store it
 * implements what the nodes share: commit watching, fault rules, presence.
 */
export class PostgresStore implements Store, CommitWatching, SharedFaultRules, SharedPresence {
  readonly kind = "postgres";
  readonly idsPerDatabase = true;
  /** Names this process in NOTIFY payloads, so it can skip its own. */
  readonly nodeId = randomUUID();
  private readonly pool: pg.Pool;
  private listener: CommitListener | undefined;
  /** The bus, told of other nodes' commits. */
  private watcher: CommitWatcher | undefined;

  private readonly channel: string;
  /** How many deletions this node has signalled to the others. */
  private deletions = 0;
  /** The latest of this node's deletions each other node said it forgot (othersForgot). */
  private readonly forgottenBy = new Map<string, number>();
  private readonly forgetWaiters = new Set<() => void>();

  private constructor(
    private readonly options: PostgresOptions,
    private readonly schema: string,
    private readonly log: ListenerLog,
  ) {
    this.channel = notifyChannel(schema);
    this.pool = createPool(options);
    // An idle pooled connection whose backend went away: the pool drops it; nothing to do.
    this.pool.on("error", () => undefined);
  }

  /** Migrates (under an advisory lock), opens the pool and starts listening, so a node serves only once it hears the others. */
  static async open(options: PostgresOptions, log: ListenerLog = silentLog): Promise<PostgresStore> {
    const { schema } = await migrateDatabase(options);
    const store = new PostgresStore(options, schema, log);
    try {
      await store.listen();
    } catch (error) {
      await store.close().catch(() => undefined);
      throw error;
    }
    return store;
  }

  private async listen(): Promise<void> {
    const toWatcher: CommitWatcher = {
      committed: (scope, lastId, rows) => this.watcher?.committed(scope, lastId, rows),
      reconnected: () => this.watcher?.reconnected(),
    };
    const signals = {
      forget: (node: string, deletion: number) => {
        this.watcher?.forgotten?.();
        this.read(queries.notify, [this.channel, `${this.nodeId}:!forgot:${node}:${deletion}`]).catch((error: unknown) =>
          this.log.warn({ err: error }, "answering another node's forget signal failed"),
        );
      },
      forgot: (node: string, deletion: number) => {
        this.forgottenBy.set(node, Math.max(deletion, this.forgottenBy.get(node) ?? 0));
        for (const wake of this.forgetWaiters) wake();
      },
    };
    this.listener = new CommitListener(clientConfig(this.options), this.channel, this.nodeId, toWatcher, this.log, signals);
    await this.listener.start();
  }

  /** BEGIN rides with the first statement and COMMIT with the notifications, written last (TxRound). */
  async transaction<T>(work: (tx: StoreTx) => Promise<T>, onCommit?: (result: T) => void): Promise<T> {
    const client = await this.connect();
    let result: T;
    const round: TxRound = { begun: false, committing: false, committed: false };
    try {
      result = await work(createTx(client, round, `${this.nodeId}:`, this.channel, this.options.idFloor ?? 0));
      if (round.begun && !round.committed) {
        round.committing = true;
        await client.query("COMMIT");
      }
    } catch (error) {
      client.release(await rollback(client));
      // A lost reply to COMMIT leaves its outcome unknown: read the latest id again.
      if (round.committing) this.watcher?.reconnected();
      throw asStoreError(error);
    }
    client.release();
    onCommit?.(result);
    return result;
  }

  // NotificationLog (contracts/notification-log.ts)
  idScopeOf(channel: string): string {
    return idScopeOf(channel);
  }

  notificationsBetween(afterId: number, upToId: number, scope: string): Promise<Notification[]> {
    return this.read(queries.notificationsBetween, [afterId, upToId, scope]);
  }

  notificationsAfter(channels: readonly string[], afterId: number, upToId: number): Promise<Notification[]> {
    return this.read(queries.notificationsAfter, [channels, afterId, upToId]);
  }

  notificationsCreatedSince(channels: readonly string[], since: number, upToId: number): Promise<Notification[]> {
    return this.read(queries.notificationsCreatedSince, [channels, since, upToId]);
  }

  async lastCommittedId(scope: string): Promise<number> {
    const [row] = await this.read<{ lastId: number }>(queries.lastCommittedId, [scope]);
    return row?.lastId ?? 0;
  }

  lastCommittedIds(): Promise<ScopeId[]> {
    return this.read(queries.lastCommittedIds, []);
  }

  /** One node at a time: the others find the lock taken and delete nothing. */
  async deleteNotificationsUpTo(createdAt: number): Promise<DeletedNotification[]> {
    const client = await this.connect();
    try {
      await client.query("BEGIN");
      const [lock] = await run<{ locked: boolean }>(client, queries.tryRetentionLock, [this.schema]);
      const deleted = lock?.locked ? await run<DeletedNotification>(client, queries.deleteUpTo, [createdAt]) : [];
      // Delivered at commit: the other nodes forget what memory holds too (a gap is then a gap on every node).
      if (deleted.length > 0) await run(client, queries.notify, [this.channel, `${this.nodeId}:!forget:${++this.deletions}`]);
      await client.query("COMMIT");
      client.release();
      return deleted;
    } catch (error) {
      client.release(await rollback(client));
      throw asStoreError(error);
    }
  }

  // SeenTerminals (contracts/terminals.ts)
  /**
   * Without waiting for the WAL flush: a poll waits for this write, and losing the last moments
   * of "seen polling" to a database crash costs nothing (the terminal is remembered at its next poll).
   */
  async rememberTerminals(dbname: string, posIds: readonly string[], seenAt: number): Promise<void> {
    if (posIds.length === 0) return;
    const client = await this.connect();
    try {
      // One round trip instead of four.
      await client.query(`BEGIN; SET LOCAL synchronous_commit = off; ${inlineQuery(client, queries.rememberTerminals, [dbname, posIds, seenAt])}; COMMIT`);
      client.release();
    } catch (error) {
      client.release(await rollback(client));
      throw asStoreError(error);
    }
  }

  async knownTerminals(dbname: string): Promise<string[]> {
    return (await this.read<{ posId: string }>(queries.knownTerminals, [dbname])).map((row) => row.posId);
  }

  // OperatorReads (contracts/operator-reads.ts)
  async databaseNames(): Promise<string[]> {
    return (await this.read<{ dbname: string }>(queries.databaseNames, [])).map((row) => row.dbname);
  }

  multiSessionsOf(dbname: string): Promise<MultiSession[]> {
    return this.read(queries.multiSessionsOf, [dbname]);
  }

  terminalsOf(dbname: string): Promise<Terminal[]> {
    return this.read(queries.terminalsOf, [dbname]);
  }

  openOrders(dbname: string, multiSessionId: number): Promise<Order[]> {
    return this.read(queries.openOrders, [dbname, multiSessionId]);
  }

  refusedEdits(dbname: string, multiSessionId: number, uid?: string): Promise<RefusedEdit[]> {
    return uid === undefined
      ? this.read(queries.refusedEdits, [dbname, multiSessionId])
      : this.read(queries.refusedEditsOfOrder, [dbname, multiSessionId, uid]);
  }

  endedRunOrders(dbname: string, multiSessionId: number): Promise<Order[]> {
    return this.read(queries.endedRunOrders, [dbname, multiSessionId]);
  }

  multiSessionCounts(): Promise<MultiSessionCount[]> {
    return this.read(queries.multiSessionCounts, []);
  }

  knownTerminalsOfAll(): Promise<KnownTerminal[]> {
    return this.read(queries.knownTerminalsOfAll, []);
  }

  refusedEditCounts(since: number, dbname?: string): Promise<RefusedEditCount[]> {
    return dbname === undefined ? this.read(queries.refusedEditCounts, [since]) : this.read(queries.refusedEditCountsOf, [since, dbname]);
  }

  // NodeHeartbeats and ShopKeys (contracts/cluster.ts, contracts/shop-keys.ts)
  async saveNodeHeartbeat(node: NodeHeartbeat): Promise<void> {
    const values = [node.nodeId, node.hostname, node.pid, node.version, node.url, node.startedAt, node.lastSeen, node.heldPolls, node.terminalsOnline];
    await this.read(queries.saveNodeHeartbeat, values);
  }

  listNodes(seenSince: number): Promise<NodeHeartbeat[]> {
    return this.read(queries.listNodes, [seenSince]);
  }

  async saveShopKey(key: ShopKeyDigest): Promise<void> {
    await this.read(queries.saveShopKey, [key.dbname, key.keyDigest, key.updatedAt]);
  }

  async deleteShopKey(dbname: string): Promise<boolean> {
    return (await this.read(queries.deleteShopKey, [dbname])).length > 0;
  }

  listShopKeys(): Promise<ShopKeyDigest[]> {
    return this.read(queries.listShopKeys, []);
  }

  // CommitWatching, SharedFaultRules and SharedPresence: what the nodes share
  othersForgot(otherNodes: number, timeoutMs: number): Promise<boolean> {
    const deletion = this.deletions;
    const done = () => [...this.forgottenBy.values()].filter((answered) => answered >= deletion).length >= otherNodes;
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (result: boolean) => {
        clearTimeout(timer);
        this.forgetWaiters.delete(check);
        resolve(result);
      };
      const check = () => {
        if (done()) finish(true);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.forgetWaiters.add(check);
    });
  }

  async addFaultRule(rule: SharedFaultRule): Promise<void> {
    await this.read(queries.addFaultRule, [rule.id, rule.rule, rule.until, rule.count]);
  }

  listFaultRules(): Promise<SharedFaultRule[]> {
    return this.read(queries.listFaultRules, []);
  }

  async deleteFaultRules(id: string | undefined): Promise<number> {
    try {
      const result = id === undefined ? await this.pool.query(queries.deleteFaultRules.text) : await this.pool.query(queries.deleteFaultRule.text, [id]);
      return result.rowCount ?? 0;
    } catch (error) {
      throw asStoreError(error);
    }
  }

  async takeFaultFiring(id: string): Promise<boolean> {
    return (await this.read(queries.takeFaultFiring, [id])).length > 0;
  }

  /** Without waiting for the WAL flush, like rememberTerminals: presence lost to a crash is rewritten within a second. */
  async savePresence(rows: readonly PresenceRow[]): Promise<void> {
    if (rows.length === 0) return;
    const column = <K extends keyof PresenceRow>(key: K) => rows.map((row) => row[key]);
    const client = await this.connect();
    try {
      await client.query("BEGIN");
      await client.query("SET LOCAL synchronous_commit = off");
      await run(client, queries.savePresence, [
        column("dbname"),
        column("posId"),
        rows[0]!.nodeId,
        column("heldPolls"),
        column("lastPollAt"),
        column("lastPingAt"),
        column("lastPongAt"),
        column("clientAddress"),
        rows[0]!.updatedAt,
        column("deliveredId"),
        column("acknowledgedId"),
        column("unacknowledged"),
        column("unacknowledgedSince"),
      ]);
      await client.query("COMMIT");
      client.release();
    } catch (error) {
      client.release(await rollback(client));
      throw asStoreError(error);
    }
  }

  presenceOf(dbname: string, since: number): Promise<PresenceRow[]> {
    return this.read(queries.presenceOf, [dbname, since]);
  }

  presenceOfUnacknowledged(since: number): Promise<PresenceRow[]> {
    return this.read(queries.presenceOfUnacknowledged, [since]);
  }

  presenceSince(since: number, exceptNode: string): Promise<PresenceRow[]> {
    return this.read(queries.presenceSince, [since, exceptNode]);
  }

  async prunePresence(before: number): Promise<void> {
    await this.read(queries.prunePresence, [before]);
  }

  async isHealthy(): Promise<boolean> {
    try {
      await this.read(queries.healthCheck, []);
      return true;
    } catch {
      return false;
    }
  }

  /** Wake-ups heard before `watcher` came are not replayed: it is told to read the latest id at once. */
  watchCommits(watcher: CommitWatcher): () => void {
    this.watcher = watcher;
    watcher.reconnected();
    return () => {
      if (this.watcher === watcher) this.watcher = undefined;
    };
  }

  listening(): boolean {
    return this.listener?.listening ?? false;
  }

  async close(): Promise<void> {
    await this.listener?.stop();
    await this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      const client = await this.pool.connect();
      // A checked-out connection that breaks between two queries emits "error" with nobody
      // listening (the pool listens to idle ones only), which would end the process; the next
      // query on it fails, and that failure is what the request reports.
      if (!guarded.has(client)) {
        guarded.add(client);
        client.on("error", () => undefined);
      }
      return client;
    } catch (error) {
      throw asStoreError(error, true);
    }
  }

  private async read<R>(query: Query, values: unknown[]): Promise<R[]> {
    try {
      return (await this.pool.query<R & pg.QueryResultRow>({ name: query.name, text: query.text, values })).rows;
    } catch (error) {
      throw asStoreError(error);
    }
  }
}

const guarded = new WeakSet<pg.PoolClient>();

/** Ids are counted per database: the channel's, or "" for a channel that names none. */
function idScopeOf(channel: string): string {
  return parseChannel(channel)?.dbname ?? "";
}

/** The statement storing one id scope's items, and its values (queries.insertNotifications, insertSessionNotifications). */
function insertStatement(
  items: readonly OutgoingNotification[],
  scope: string,
  createdAt: number,
  notifyPrefix: string,
  channel: string,
  idFloor: number,
): [Query, unknown[]] {
  const channels: (string | null)[] = [];
  const messages: string[] = [];
  const afters: (string | null)[] = [];
  const multiSessions: (number | null)[] = [];
  const posIds: (number | null)[] = [];
  let toSessions = false;
  for (const item of items) {
    if (isSessionMessage(item)) {
      toSessions = true;
      channels.push(null);
      messages.push(item.before);
      afters.push(item.after);
      multiSessions.push(item.multiSessionId);
      posIds.push(item.posId ?? null);
    } else {
      channels.push(item.channel);
      messages.push(item.message);
      afters.push(null);
      multiSessions.push(null);
      posIds.push(null);
    }
  }
  const common = [channels, messages, createdAt, notifyPrefix, channel, idFloor, scope];
  if (!toSessions) return [queries.insertNotifications, common];
  const multiSessionChannelPrefix = channelOf(scope, CHANNEL.multiSession, "").slice(0, -2);
  return [queries.insertSessionNotifications, [...common, afters, multiSessions, posIds, multiSessionChannelPrefix]];
}

/** `notifyPrefix` ("<node>:") and `channel` make the NOTIFY sent at commit; `idFloor` is the lowest id to hand out after. */
function createTx(client: pg.ClientBase, round: TxRound, notifyPrefix: string, channel: string, idFloor: number): StoreTx {
  return {
    /**
     * Takes the counter row of each database written to, and its lock until commit: see
     * notificationCounters in schema.ts. Several databases (never seen from the protocol) in name
     * order, so two such transactions cannot deadlock.
     */
    async insertNotifications(items: readonly OutgoingNotification[], createdAt: number, last = false): Promise<Notification[]> {
      const byScope = new Map<string, OutgoingNotification[]>();
      for (const item of items) {
        const scope = isSessionMessage(item) ? item.dbname : idScopeOf(item.channel);
        const group = byScope.get(scope);
        if (group) group.push(item);
        else byScope.set(scope, [item]);
      }
      const sent: Notification[] = [];
      const scopes = [...byScope.keys()].sort();
      for (const [i, scope] of scopes.entries()) {
        const [query, values] = insertStatement(byScope.get(scope)!, scope, createdAt, notifyPrefix, channel, idFloor);
        sent.push(...(await step<Notification>(client, round, query, values, last && i === scopes.length - 1)));
      }
      return sent;
    },

    ...syncStateOf(client, round),
  };
}
