import type { NodeHeartbeats } from "../db/contracts/cluster.ts";
import type { PresenceRow, SharedPresence } from "../db/contracts/terminals.ts";
import type { Logger } from "../log.ts";
import type { NodeMonitor } from "./node-monitor.ts";
import { startIntervalTask } from "./interval-task.ts";
import { nodeViews } from "./node-registry.ts";
import { type Lag, lagOf, mergeEntries, PRESENCE_KEPT_MS, type PresenceEntry, type TerminalPresence } from "./presence.ts";

/** How often a node writes the terminals whose presence changed: one statement per beat, whatever the number of polls. */
export const PRESENCE_WRITE_MS = 500;
const PRUNE_EVERY_WRITES = 1200;

export interface PresenceSharing {
  stop(): Promise<void>;
}

/**
 * With a store other nodes share, writes this node's presence changes into it twice a second, so
 * every node's console knows a terminal polling any node within a second or so. Polls write
 * nothing themselves: they only mark their terminal changed in memory.
 */
export function startPresenceSharing(options: {
  store: Partial<SharedPresence>;
  monitor: NodeMonitor;
  log: Pick<Logger, "warn">;
  intervalMs?: number;
}): PresenceSharing {
  const { store, monitor, log } = options;
  const save = store.savePresence?.bind(store);
  if (!save) return { stop: async () => undefined };
  let writes = 0;
  const write = async (): Promise<void> => {
    const now = Date.now();
    const rows: PresenceRow[] = monitor.presence.takeChanged().map(({ dbname, posId, entry }) => rowOf(dbname, posId, monitor.nodeId, entry, now));
    try {
      await save(rows);
      if (++writes % PRUNE_EVERY_WRITES === 0) await store.prunePresence?.(now - PRESENCE_KEPT_MS);
    } catch (error) {
      monitor.presence.resendAll();
      log.warn({ err: error }, "writing terminal presence failed; every terminal is written again next time");
    }
  };
  const task = startIntervalTask(write, options.intervalMs ?? PRESENCE_WRITE_MS);
  return {
    async stop() {
      await task.stop();
      // The last changes, so the other consoles see this node's terminals leave rather than hold polls forever.
      await write();
    },
  };
}

/**
 * The presence of each terminal of `dbname` as the whole cluster sees it: this node's own view
 * (the freshest), merged with what the other nodes wrote. A node no longer alive in the node
 * registry holds no polls, whatever its last rows say.
 */
export async function clusterPresence(
  store: Partial<SharedPresence> & NodeHeartbeats,
  monitor: NodeMonitor,
  dbname: string,
): Promise<Map<string, TerminalPresence>> {
  const { presence } = monitor;
  const byTerminal = new Map<string, PresenceEntry[]>();
  for (const posId of presence.posIdsOf(dbname)) byTerminal.set(posId, [presence.entryOf(dbname, posId)!]);
  if (store.presenceOf) {
    const [rows, alive] = await Promise.all([store.presenceOf(dbname, Date.now() - PRESENCE_KEPT_MS), aliveNodes(store, monitor)]);
    for (const row of rows) {
      if (row.nodeId === monitor.nodeId) continue;
      const entries = byTerminal.get(row.posId) ?? [];
      entries.push(entryOf(row, alive.has(row.nodeId)));
      byTerminal.set(row.posId, entries);
    }
  }
  return new Map([...byTerminal].map(([posId, entries]) => [posId, presence.view(mergeEntries(entries))]));
}

/**
 * Terminals behind across the cluster, for /metrics: this node's own entries merged with every
 * node's rows of the terminals some node counts unacknowledged notifications for (as of their
 * last write, at most half a second old). On a store no other node shares, this node's own.
 */
export async function clusterLag(store: Partial<SharedPresence> & NodeHeartbeats, monitor: NodeMonitor): Promise<Lag> {
  const { presence } = monitor;
  if (!store.presenceOfUnacknowledged) return presence.lag();
  const now = Date.now();
  const byTerminal = new Map<string, PresenceEntry[]>();
  for (const row of await store.presenceOfUnacknowledged(now - PRESENCE_KEPT_MS)) {
    const key = JSON.stringify([row.dbname, row.posId]);
    const own = row.nodeId === monitor.nodeId ? presence.entryOf(row.dbname, row.posId) : undefined;
    const entries = byTerminal.get(key) ?? [];
    entries.push(own ?? entryOf(row, true));
    byTerminal.set(key, entries);
  }
  const merged = [...byTerminal.values()].map((entries) => mergeEntries(entries)!);
  return lagOf(merged, now, presence.behindAfterMs);
}

/** What the other nodes wrote of every database's terminals, and which of those nodes are alive. */
export interface OtherNodesPresence {
  rows: PresenceRow[];
  alive: ReadonlySet<string>;
}

/** One read of every other node's presence rows, for the list of every database; undefined on a store no other node shares. */
export async function otherNodesPresence(store: Partial<SharedPresence> & NodeHeartbeats, monitor: NodeMonitor): Promise<OtherNodesPresence | undefined> {
  if (!store.presenceSince) return undefined;
  const [rows, alive] = await Promise.all([store.presenceSince(Date.now() - PRESENCE_KEPT_MS, monitor.nodeId), aliveNodes(store, monitor)]);
  return { rows, alive };
}

/**
 * clusterPresence of every database at once (dbname -> pos id -> presence): this node's memory in
 * one pass, merged with the other nodes' rows (otherNodesPresence), whatever the number of databases.
 */
export function clusterPresenceOfAll(monitor: NodeMonitor, others: OtherNodesPresence | undefined): Map<string, Map<string, TerminalPresence>> {
  const { presence } = monitor;
  const byDatabase = new Map<string, Map<string, PresenceEntry[]>>();
  const add = (dbname: string, posId: string, entry: PresenceEntry) => {
    let terminals = byDatabase.get(dbname);
    if (!terminals) byDatabase.set(dbname, (terminals = new Map()));
    const entries = terminals.get(posId);
    if (entries) entries.push(entry);
    else terminals.set(posId, [entry]);
  };
  for (const { dbname, posId, entry } of presence.seen()) add(dbname, posId, entry);
  for (const row of others?.rows ?? []) add(row.dbname, row.posId, entryOf(row, others!.alive.has(row.nodeId)));
  const views = new Map<string, Map<string, TerminalPresence>>();
  for (const [dbname, terminals] of byDatabase) {
    const merged = new Map<string, TerminalPresence>();
    for (const [posId, entries] of terminals) merged.set(posId, presence.view(entries.length === 1 ? entries[0] : mergeEntries(entries)));
    views.set(dbname, merged);
  }
  return views;
}

async function aliveNodes(store: Partial<SharedPresence> & NodeHeartbeats, monitor: NodeMonitor): Promise<Set<string>> {
  const nodes = await nodeViews(store, monitor.nodeId);
  return new Set(nodes.filter((node) => node.alive).map((node) => node.nodeId));
}

function rowOf(dbname: string, posId: string, nodeId: string, entry: PresenceEntry, now: number): PresenceRow {
  return {
    dbname,
    posId,
    nodeId,
    heldPolls: entry.heldPolls,
    lastPollAt: entry.lastPollAt ?? null,
    lastPingAt: entry.lastPingAt ?? null,
    lastPongAt: entry.lastPongAt ?? null,
    clientAddress: entry.clientAddress ?? null,
    deliveredId: entry.deliveredId ?? null,
    acknowledgedId: entry.acknowledgedId ?? null,
    unacknowledged: entry.unacknowledged,
    unacknowledgedSince: entry.unacknowledgedSince ?? null,
    updatedAt: now,
  };
}

function entryOf(row: PresenceRow, alive: boolean): PresenceEntry {
  return {
    heldPolls: alive ? row.heldPolls : 0,
    lastPollAt: row.lastPollAt ?? undefined,
    lastPingAt: row.lastPingAt ?? undefined,
    lastPongAt: row.lastPongAt ?? undefined,
    clientAddress: row.clientAddress ?? undefined,
    deliveredId: row.deliveredId ?? undefined,
    acknowledgedId: row.acknowledgedId ?? undefined,
    unacknowledged: row.unacknowledged,
    unacknowledgedSince: row.unacknowledgedSince ?? undefined,
  };
}
