import type { Awaitable } from "./awaitable.ts";

/**
 * The terminals a database's backend can reach (sendToAllPoses): those seen polling, remembered
 * here, and those registered by sync_all (SyncState's terminals). Outside any transaction; a
 * write lost to a crash costs nothing, the terminal is remembered at its next poll.
 */
export interface SeenTerminals {
  rememberTerminals(dbname: string, posIds: readonly string[], seenAt: number): Awaitable<void>;
  /** Pos ids of a database, registered by sync_all or seen polling, in pos id order. */
  knownTerminals(dbname: string): Awaitable<string[]>;
}

/** What a node knows of a terminal's polling; times are epoch milliseconds, null when not seen. */
export interface PresenceFields {
  /** Polls this terminal holds right now. */
  heldPolls: number;
  lastPollAt: number | null;
  lastPingAt: number | null;
  lastPongAt: number | null;
  clientAddress: string | null;
  /** The newest notification id a poll was answered with. */
  deliveredId: number | null;
  /** The highest `last` it polled with: it has every notification up to that id. */
  acknowledgedId: number | null;
  /** Notifications on its channels above acknowledgedId, delivered or not yet (it stopped polling). */
  unacknowledged: number;
  /** When the oldest of them was committed, as far as the counting node knows. */
  unacknowledgedSince: number | null;
}

/** One node's view of one terminal (src/console/presence.ts). */
export interface PresenceRow extends PresenceFields {
  dbname: string;
  posId: string;
  nodeId: string;
  updatedAt: number;
}

/**
 * Terminals' presence as every node sees it, shared by the nodes of one database (PostgreSQL);
 * a store only one process opens has none, and its node keeps presence in memory. Rows are
 * rewritten within a second of a change, so a row lost to a crash is soon written again.
 */
export interface SharedPresence {
  /** Writes this node's view of the terminals in `rows` (one statement), replacing its earlier rows of them. */
  savePresence(rows: readonly PresenceRow[]): Promise<void>;
  /** Every node's rows of a database's terminals updated at or after `since`. */
  presenceOf(dbname: string, since: number): Promise<PresenceRow[]>;
  /**
   * Every node's rows, of any database, of the terminals that some node's row updated at or after
   * `since` counts unacknowledged notifications for (`unacknowledged` > 0): what /metrics merges.
   */
  presenceOfUnacknowledged(since: number): Promise<PresenceRow[]>;
  /** Every node's rows but `exceptNode`'s, of every database, updated at or after `since` (the console's database list). */
  presenceSince(since: number, exceptNode: string): Promise<PresenceRow[]>;
  /** Deletes presence rows updated before `before`. */
  prunePresence(before: number): Promise<void>;
}
