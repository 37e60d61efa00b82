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

/** Reads and writes inside one transaction. */
export interface StoreTx {
  insertNotifications(items: readonly NewNotification[], createdAt: number): Awaitable<Notification[]>;

  getOrCreateMultiSession(dbname: string, multiSessionId: number): Awaitable<MultiSession>;
  saveMultiSession(session: MultiSession): Awaitable<void>;
  /** Turns every draft order of a run older than `runId` into unpaid. */
  markOlderDraftsUnpaid(dbname: string, multiSessionId: number, runId: number): Awaitable<void>;

  getOrder(dbname: string, multiSessionId: number, uid: string): Awaitable<Order | undefined>;
  saveOrder(order: Order): Awaitable<void>;
  listDraftOrders(dbname: string, multiSessionId: number, runId: number): Awaitable<Order[]>;

  getTerminal(dbname: string, posId: number): Awaitable<Terminal | undefined>;
  saveTerminal(terminal: Terminal): Awaitable<void>;
  listTerminals(dbname: string, multiSessionId: number): Awaitable<Terminal[]>;
  /** Adds one to the message counter of every terminal of the multi-session; returns them as updated. */
  incrementMessageIds(dbname: string, multiSessionId: number): Awaitable<Terminal[]>;
}

/** Told of commits made by other processes sharing the database. */
export interface CommitWatcher {
  /** Every notification id up to `lastId` is committed. */
  committed(lastId: number): void;
  /** Wake-ups may have been lost (the listening connection was down): read the latest id again. */
  reconnected(): void;
}

export interface Store {
  readonly kind: "sqlite" | "postgres";

  /**
   * Runs `work` in one transaction: all of its writes land, or none do. `onCommit` runs after
   * the commit. Notification ids commit in ascending order without gaps: once id N is
   * committed, every id below N is committed (or was never handed out, after a rollback on
   * SQLite), so a reader that has seen N never misses a lower id later. Transactions that touch
   * one multi-session never interleave (SQLite runs one at a time; PostgreSQL locks the
   * multi_sessions row in getOrCreateMultiSession until commit). `onCommit` callbacks may run
   * in another order than the commits (PostgreSQL, several connections).
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>, onCommit?: (result: T) => void): Promise<T>;

  /** Every channel's notifications in (afterId, upToId], in id order. */
  notificationsBetween(afterId: number, upToId: number): Awaitable<Notification[]>;
  /** Starts telling `watcher` of other processes' commits; returns the stopper. Absent when no other process writes. */
  watchCommits?(watcher: CommitWatcher): () => void;
  /** Whether commits by other processes are being heard (undefined when there are none to hear). */
  listening?(): boolean;

  /** Reads never go past `upToId`, the last id the caller knows committed. */
  notificationsAfter(channels: readonly string[], afterId: number, upToId: number): Awaitable<Notification[]>;
  notificationsCreatedSince(channels: readonly string[], since: number, upToId: number): Awaitable<Notification[]>;
  lastNotificationId(): Awaitable<number>;
  /**
   * Deletes the notifications created at or before `createdAt`; returns their ids. With several
   * processes one deletes at a time; the others delete nothing.
   */
  deleteNotificationsUpTo(createdAt: number): Awaitable<number[]>;

  rememberTerminals(dbname: string, posIds: readonly string[], seenAt: number): Awaitable<void>;
  /** Pos ids of a database, registered by sync_all or seen polling. */
  knownTerminals(dbname: string): Awaitable<string[]>;

  isHealthy(): Awaitable<boolean>;
  close(): Awaitable<void>;
}
