import type { Bus } from "../bus/bus.ts";
import type { Config } from "../config.ts";
import type { NodeHeartbeats } from "../db/contracts/cluster.ts";
import type { OperatorReads } from "../db/contracts/operator-reads.ts";
import type { Order, Terminal } from "../db/contracts/sync-state.ts";
import type { SeenTerminals, SharedPresence } from "../db/contracts/terminals.ts";
import type { Store } from "../db/store.ts";
import type { TimelineEvent } from "./activity.ts";
import type { NodeMonitor } from "./node-monitor.ts";
import type { TerminalPresence } from "./presence.ts";
import { clusterPresence } from "./shared-presence.ts";

/** The JSON the console page reads; each view is one GET under /console/api (docs/console.md). */

/** What the console reads from the store: the operator reads, and the terminals, nodes and presence it lists. */
export type ConsoleStore = OperatorReads & SeenTerminals & NodeHeartbeats & Partial<SharedPresence> & Pick<Store, "kind" | "isHealthy">;

export interface ViewDeps {
  config: Config;
  store: ConsoleStore;
  bus: Bus;
  monitor: NodeMonitor;
}

export interface TerminalView extends TerminalPresence {
  posId: string;
  /** null for a terminal seen polling that never registered with sync_all. */
  multiSessionId: number | null;
  userId: number | null;
  /** The last message_ID sent to it (the terminals table's counter). */
  messageId: number | null;
}

export interface OrderView {
  uid: string;
  revision: number;
  runId: number;
  sequenceNumber: number | null;
  lines: number;
  /** Epoch ms of the last accepted change seen by this node; null when it happened before it started. */
  lastChangeAt: number | null;
  /** The terminal that sent the last accepted change (its message's data.pos_id). */
  lastChangeBy: string | null;
}

/** undefined when the multi-session does not exist. */
export async function sessionView(deps: ViewDeps, dbname: string, multiSessionId: number, timelineAfter = 0) {
  const session = (await deps.store.multiSessionsOf(dbname)).find((candidate) => candidate.multiSessionId === multiSessionId);
  if (!session) return undefined;
  const [terminals, orders] = await Promise.all([terminalViews(deps, dbname), deps.store.openOrders(dbname, multiSessionId)]);
  const timeline = deps.monitor.activity.timeline(dbname, multiSessionId, timelineAfter);
  return {
    dbname,
    multiSessionId,
    runId: session.runId,
    orderId: session.orderId,
    terminals: terminals.filter((terminal) => terminal.multiSessionId === multiSessionId),
    orders: orders.map((order) => orderView(deps.monitor, order)),
    timeline,
  };
}

export function timelineView(deps: ViewDeps, dbname: string, multiSessionId: number, after: number): { events: TimelineEvent[] } {
  return { events: deps.monitor.activity.timeline(dbname, multiSessionId, after) };
}

/** Registered terminals, then those only seen polling (by the store's known terminals or by any node). */
export async function terminalViews({ store, monitor }: ViewDeps, dbname: string): Promise<TerminalView[]> {
  const [registered, known, presence] = await Promise.all([store.terminalsOf(dbname), store.knownTerminals(dbname), clusterPresence(store, monitor, dbname)]);
  const presenceOf = (posId: string) => presence.get(posId) ?? monitor.presence.view(undefined);
  const views = registered.map((terminal) => terminalView(String(terminal.posId), terminal, presenceOf));
  const listed = new Set(views.map((view) => view.posId));
  for (const posId of [...known, ...presence.keys()].sort()) {
    if (listed.has(posId)) continue;
    listed.add(posId);
    views.push(terminalView(posId, undefined, presenceOf));
  }
  return views;
}

function terminalView(posId: string, terminal: Terminal | undefined, presenceOf: (posId: string) => TerminalPresence): TerminalView {
  return {
    posId,
    multiSessionId: terminal?.multiSessionId ?? null,
    userId: terminal?.userId ?? null,
    messageId: terminal?.messageId ?? null,
    ...presenceOf(posId),
  };
}

export function orderView(monitor: NodeMonitor, order: Order): OrderView {
  const data = orderData(order.message);
  const change = monitor.activity.lastChange(order.dbname, order.multiSessionId, order.uid);
  const sentBy = change?.posId ?? data.pos_id;
  return {
    uid: order.uid,
    revision: order.revisionId,
    runId: order.runId,
    sequenceNumber: typeof data.sequence_number === "number" ? data.sequence_number : null,
    lines: Array.isArray(data.lines) ? data.lines.length : 0,
    lastChangeAt: change?.at ?? null,
    lastChangeBy: typeof sentBy === "number" || typeof sentBy === "string" ? String(sentBy) : null,
  };
}

export function orderData(message: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(message) as { data?: unknown };
    return parsed.data && typeof parsed.data === "object" ? (parsed.data as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
