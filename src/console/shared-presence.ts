import type { NodeHeartbeats } from "../db/contracts/cluster.ts";
import type { PresenceRow, SharedPresence } from "../db/contracts/terminals.ts";
import type { Logger } from "../log.ts";
import type { NodeMonitor } from "./node-monitor.ts";
import { startIntervalTask } from "./interval-task.ts";
import { nodeViews } from "./node-registry.ts";
import { mergeEntries, type PresenceEntry, type TerminalPresence } from "./presence.ts";

/** How often a node writes the terminals whose presence changed: one statement per beat, whatever the number of polls. */
export const PRESENCE_WRITE_MS = 500;
/** Rows not rewritten for an hour are a terminal long gone (or a node that stopped): pruned, and not read. */
const PRESENCE_KEPT_MS = 3600_000;
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
    const [rows, nodes] = await Promise.all([store.presenceOf(dbname, Date.now() - PRESENCE_KEPT_MS), nodeViews(store, monitor.nodeId)]);
    const alive = new Set(nodes.filter((node) => node.alive).map((node) => node.nodeId));
    for (const row of rows) {
      if (row.nodeId === monitor.nodeId) continue;
      const entries = byTerminal.get(row.posId) ?? [];
      entries.push(entryOf(row, alive.has(row.nodeId)));
      byTerminal.set(row.posId, entries);
    }
  }
  return new Map([...byTerminal].map(([posId, entries]) => [posId, presence.view(mergeEntries(entries))]));
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
  };
}
