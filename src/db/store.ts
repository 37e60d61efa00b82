/**
 * What the bus and the sync rules need from storage. The SQLite store implements it; a
 * PostgreSQL store would implement the same interface, so every method may return a promise.
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

export interface Store {
  /**
   * Runs `work` in one transaction: all of its writes land, or none do. Transactions never
   * interleave. `onCommit` runs after the commit and before any later transaction starts, so
   * whoever it tells learns of commits in the order they happened.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>, onCommit?: (result: T) => void): Promise<T>;

  /** Reads never go past `upToId`, the last id the caller knows committed. */
  notificationsAfter(channels: readonly string[], afterId: number, upToId: number): Awaitable<Notification[]>;
  notificationsCreatedSince(channels: readonly string[], since: number, upToId: number): Awaitable<Notification[]>;
  lastNotificationId(): Awaitable<number>;
  /** Deletes the notifications created at or before `createdAt`; returns their ids. */
  deleteNotificationsUpTo(createdAt: number): Awaitable<number[]>;

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

  isHealthy(): Awaitable<boolean>;
  close(): Awaitable<void>;
}
