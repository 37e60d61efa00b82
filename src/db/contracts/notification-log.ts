import type { Awaitable } from "./awaitable.ts";

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

/**
 * One message to terminals of a multi-session, each on its pos.multi_session channel with its
 * own copy stamped with its next message_ID: `before + messageId + after`. The store counts the
 * terminals' message ids up as it stores the notifications, in the same statement on PostgreSQL
 * (a broadcast takes one round trip fewer). Every terminal of the multi-session, or only `posId`
 * when that terminal is in it. Terminals reached by several of a transaction's messages are
 * counted up once per message, in order.
 */
export interface SessionMessage {
  dbname: string;
  multiSessionId: number;
  posId?: number;
  before: string;
  after: string;
}

/** What a transaction sends: notifications whole, or session messages the store expands. */
export type OutgoingNotification = NewNotification | SessionMessage;

export function isSessionMessage(item: OutgoingNotification): item is SessionMessage {
  return "before" in item;
}

/** An id of an id scope (NotificationLog.idScopeOf). */
export interface ScopeId {
  scope: string;
  lastId: number;
}

export interface DeletedNotification {
  scope: string;
  id: number;
}

/** The notification log's write, made inside a store transaction (Store.transaction). */
export interface NotificationAppend {
  /**
   * Stores the notifications with new ids: strictly increasing, never reused (also after GC and
   * restarts), and above idFloorAt(the wall-clock time the store was opened) (id-floor.ts), so
   * ids keep moving forward when the database itself is replaced.
   * Session messages expand in place into a notification per terminal reached, in pos_id order.
   * `last`: nothing else runs in this transaction after it, so the store may commit with it.
   */
  insertNotifications(items: readonly OutgoingNotification[], createdAt: number, last?: boolean): Awaitable<Notification[]>;
}

/** Told of commits made by other processes sharing the database. */
export interface CommitWatcher {
  /**
   * Every notification id of id scope `scope` up to `lastId` is committed; `rows`, when given,
   * are that commit's notifications (ascending ids, the last of them `lastId`), so they need not
   * be read back.
   */
  committed(scope: string, lastId: number, rows?: Notification[]): void;
  /** Another process deleted notifications (test GC, retention): forget what memory holds (synchronously; the store then tells the deleter). */
  forgotten?(): void;
  /** Wake-ups may have been lost (the listening connection was down): read the latest id again. */
  reconnected(): void;
}

/**
 * How a process hears the others that write to the same log (PostgreSQL). A store only one
 * process opens has none of it.
 */
export interface CommitWatching {
  /** Starts telling `watcher` of other processes' commits; returns the stopper. */
  watchCommits(watcher: CommitWatcher): () => void;
  /**
   * Waits until `otherNodes` other processes have told that they forgot what this process's
   * latest deleteNotificationsUpTo deleted (their recent-notifications memory; they are told by
   * that deletion's commit and answer by themselves). False after `timeoutMs`.
   */
  othersForgot(otherNodes: number, timeoutMs: number): Promise<boolean>;
  /** Whether commits by other processes are being heard. */
  listening(): boolean;
}

/**
 * The bus's notifications: appended in store transactions (NotificationAppend), read by cursor,
 * deleted by age. Promises every store keeps:
 * - Notification ids belong to an id scope (idScopeOf(channel)): one for all channels on SQLite,
 *   one per database on PostgreSQL, so shops commit in parallel there. A poll names channels of
 *   one scope only. Within a scope, ids commit in ascending order without gaps and are never
 *   reused, also across restarts and after every notification was deleted: once id N is
 *   committed, every id below N is committed (or was never handed out, or rolled back), so a
 *   reader that has seen N never misses a lower id later, whatever order concurrent
 *   transactions commit in.
 * - A transaction's `onCommit` runs after the commit. On SQLite it runs before any later
 *   transaction commits; on PostgreSQL (several connections) callbacks may run in another order
 *   than the commits, which the bus's commit feed puts back in order.
 * - Reads stop at the committed id: `lastCommittedId` is the highest notification id of the
 *   scope whose commit the caller has seen, and a read never returns a notification above it, even if a
 *   later transaction has already written one. A poll thus never sees a notification before
 *   the wake-up for it, nor one that may still roll back.
 * The CommitWatching members are present exactly when other processes write to the same log.
 */
export interface NotificationLog extends Partial<CommitWatching> {
  /** Whether ids are counted per database: then a poll naming channels of two databases is refused. */
  readonly idsPerDatabase: boolean;
  /** The id scope of a channel: "" for every channel on SQLite; its database ("" when it names none) on PostgreSQL. */
  idScopeOf(channel: string): string;

  /** The notifications of id scope `scope` with afterId < id <= upToId, in id order. */
  notificationsBetween(afterId: number, upToId: number, scope: string): Awaitable<Notification[]>;
  /** The notifications on `channels` with afterId < id <= lastCommittedId, in id order. */
  notificationsAfter(channels: readonly string[], afterId: number, lastCommittedId: number): Awaitable<Notification[]>;
  /** The notifications on `channels` created at or after `since`, up to lastCommittedId, in id order. */
  notificationsCreatedSince(channels: readonly string[], since: number, lastCommittedId: number): Awaitable<Notification[]>;
  /** The highest id of `scope` committed so far (0 when none), once pending commits have landed. */
  lastCommittedId(scope: string): Awaitable<number>;
  /** lastCommittedId of every scope that has one: where a bus opening on the store starts. */
  lastCommittedIds(): Awaitable<ScopeId[]>;
  /**
   * Deletes the notifications created at or before `createdAt` (retention, test GC); returns
   * their scopes and ids. With several processes one deletes at a time; the others delete nothing.
   */
  deleteNotificationsUpTo(createdAt: number): Awaitable<DeletedNotification[]>;
}
