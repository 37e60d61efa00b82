import type { Awaitable } from "./awaitable.ts";

/** A node's heartbeat row; times are epoch milliseconds. */
export interface NodeHeartbeat {
  nodeId: string;
  hostname: string;
  pid: number;
  version: string;
  url: string;
  startedAt: number;
  lastSeen: number;
  heldPolls: number;
  terminalsOnline: number;
}

/**
 * The node registry (src/console/node-registry.ts): each node rewrites its own row every few
 * seconds; on SQLite the only row is this node's. Times are wall-clock, compared across machines.
 */
export interface NodeHeartbeats {
  /** Writes (or rewrites) this node's row of the node registry. */
  saveNodeHeartbeat(node: NodeHeartbeat): Awaitable<void>;
  /** The nodes whose last heartbeat is at or after `seenSince`, in node id order. */
  listNodes(seenSince: number): Awaitable<NodeHeartbeat[]>;
}

/** A fault rule as the nodes share it; `rule` is its JSON as GET /pos_sync/faults lists it, without `fired`. */
export interface SharedFaultRule {
  id: string;
  rule: string;
  /** Epoch ms after which it no longer matches. */
  until: number | null;
  count: number | null;
  fired: number;
}

/**
 * Fault rules (src/faults/) shared by the nodes of one database (PostgreSQL); a store only one
 * process opens has none, and its node keeps the rules in memory.
 */
export interface SharedFaultRules {
  /** Adds a fault rule; it is tried after every rule added before it. */
  addFaultRule(rule: SharedFaultRule): Promise<void>;
  /** Every fault rule, in the order they were added, with how often each fired in all. */
  listFaultRules(): Promise<SharedFaultRule[]>;
  /** Deletes one rule, or every rule when `id` is undefined; returns how many were deleted. */
  deleteFaultRules(id: string | undefined): Promise<number>;
  /** Counts one firing of a rule unless its count is used up (atomically, across nodes); false when used up or deleted. */
  takeFaultFiring(id: string): Promise<boolean>;
}
