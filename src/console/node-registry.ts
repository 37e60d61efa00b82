import { hostname } from "node:os";
import type { NodeHeartbeat, NodeHeartbeats } from "../db/contracts/cluster.ts";
import type { CommitWatching } from "../db/contracts/notification-log.ts";
import type { Logger } from "../log.ts";
import { version as VERSION } from "../version.ts";
import { startIntervalTask } from "./interval-task.ts";
import type { NodeMonitor } from "./node-monitor.ts";

/** How often a node rewrites its row in the `nodes` table. */
export const HEARTBEAT_MS = 5000;
/** A node whose heartbeat is younger than three beats is alive; one missed beat under load is not death. */
export const ALIVE_WITHIN_MS = 3 * HEARTBEAT_MS;
/** The console lists the nodes seen within the last minute; older rows are a node long gone. */
export const LISTED_WITHIN_MS = 60_000;

export interface NodeRegistryOptions {
  store: NodeHeartbeats;
  monitor: NodeMonitor;
  heldPolls: () => number;
  /** Where this node listens, as logged at start. */
  url: string;
  log: Pick<Logger, "warn">;
  intervalMs?: number;
}

export interface NodeRegistry {
  stop(): Promise<void>;
}

/**
 * Writes this node's heartbeat into the store now and every few seconds, so whichever node serves
 * the console can list the whole cluster (several nodes share one PostgreSQL database; on SQLite
 * the list is this node). Times are wall-clock epoch ms: they are compared across machines.
 */
export async function startNodeRegistry(options: NodeRegistryOptions): Promise<NodeRegistry> {
  const { store, monitor, log } = options;
  const startedAt = Date.now();
  const beat = async (): Promise<void> => {
    const row: NodeHeartbeat = {
      nodeId: monitor.nodeId,
      hostname: hostname(),
      pid: process.pid,
      version: VERSION,
      url: options.url,
      startedAt,
      lastSeen: Date.now(),
      heldPolls: options.heldPolls(),
      terminalsOnline: monitor.presence.counts().online,
    };
    await Promise.resolve(store.saveNodeHeartbeat(row)).catch((error: unknown) => log.warn({ err: error }, "writing the node heartbeat failed"));
  };
  await beat();
  return startIntervalTask(beat, options.intervalMs ?? HEARTBEAT_MS);
}

export interface NodeView extends NodeHeartbeat {
  alive: boolean;
  /** The node serving this answer. */
  self: boolean;
}

/** The nodes seen in the last minute, each alive when its heartbeat is fresh. */
export async function nodeViews(store: NodeHeartbeats, selfId: string): Promise<NodeView[]> {
  const now = Date.now();
  const rows = await store.listNodes(now - LISTED_WITHIN_MS);
  return rows.map((row) => ({ ...row, alive: now - row.lastSeen <= ALIVE_WITHIN_MS, self: row.nodeId === selfId }));
}

/** How long test GC waits for the other nodes to forget what it deleted: a node gone without a word must not hang it. */
const FORGET_WAIT_MS = 2000;

/**
 * After test GC deleted notifications: resolves once every other live node has forgotten them from
 * memory too (false after a bound), so a terminal polling any node then sees the gap. At once on
 * a store no other node shares.
 */
export async function otherNodesForgot(store: NodeHeartbeats & Partial<Pick<CommitWatching, "othersForgot">>, selfId: string): Promise<boolean> {
  if (!store.othersForgot) return true;
  const others = (await nodeViews(store, selfId)).filter((node) => node.alive && !node.self).length;
  return store.othersForgot(others, FORGET_WAIT_MS);
}
