/**
 * The whole store, composed of the contracts in contracts/, one per concern; each states its
 * promises there. The SQLite store (one process) and the PostgreSQL store (any number of
 * processes on one database) implement every one; a consumer takes the narrowest it uses.
 */
import type { Awaitable } from "./contracts/awaitable.ts";
import type { NodeHeartbeats, SharedFaultRules } from "./contracts/cluster.ts";
import type { NotificationAppend, NotificationLog } from "./contracts/notification-log.ts";
import type { OperatorReads } from "./contracts/operator-reads.ts";
import type { ShopKeys } from "./contracts/shop-keys.ts";
import type { SyncState } from "./contracts/sync-state.ts";
import type { SeenTerminals, SharedPresence } from "./contracts/terminals.ts";

export type { Awaitable } from "./contracts/awaitable.ts";
export type { NodeHeartbeat, NodeHeartbeats, SharedFaultRule, SharedFaultRules } from "./contracts/cluster.ts";
export type {
  CommitWatcher,
  CommitWatching,
  DeletedNotification,
  NewNotification,
  Notification,
  NotificationAppend,
  NotificationLog,
  OutgoingNotification,
  ScopeId,
  SessionMessage,
} from "./contracts/notification-log.ts";
export { isSessionMessage } from "./contracts/notification-log.ts";
export type { KnownTerminal, MultiSessionCount, OperatorReads, RefusedEditCount } from "./contracts/operator-reads.ts";
export type { ShopKeyDigest, ShopKeys } from "./contracts/shop-keys.ts";
export type {
  MultiSession,
  NewRefusedEdit,
  Order,
  OrderRevision,
  OrderState,
  RefusalReason,
  RefusedEdit,
  RefusedEditRetention,
  RefusedEditStatus,
  SyncState,
  Terminal,
} from "./contracts/sync-state.ts";
export type { PresenceFields, PresenceRow, SeenTerminals, SharedPresence } from "./contracts/terminals.ts";

/** Reads and writes inside one transaction: the notification log's append and the sync state. */
export interface StoreTx extends NotificationAppend, SyncState {}

/** Store transactions: atomic, see SyncState for their ordering and NotificationLog for onCommit. */
export interface Transactions {
  /** Runs `work` in one transaction; `onCommit` gets its result once it is committed. */
  transaction<T>(work: (tx: StoreTx) => Promise<T>, onCommit?: (result: T) => void): Promise<T>;
}

/**
 * Every contract. The members shared by the nodes of one database (SharedFaultRules,
 * SharedPresence, NotificationLog's CommitWatching) are present exactly on a store several
 * processes open (PostgreSQL), where the class states them; elsewhere each node keeps these in memory.
 */
export interface Store
  extends NotificationLog,
    Transactions,
    SeenTerminals,
    OperatorReads,
    NodeHeartbeats,
    ShopKeys,
    Partial<SharedFaultRules>,
    Partial<SharedPresence> {
  readonly kind: "sqlite" | "postgres";
  isHealthy(): Awaitable<boolean>;
  close(): Awaitable<void>;
}
