import type { Activity } from "./activity.ts";
import type { Presence } from "./presence.ts";

/**
 * What the console reads of this node beside the store: its id and start, the terminals'
 * presence, the recent activity and the metrics history. The app's Monitor (src/app/monitor.ts) is one.
 */
export interface NodeMonitor {
  /** host:pid and a few random bytes, as the node registry lists it. */
  readonly nodeId: string;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly presence: Presence;
  readonly activity: Activity;
  /** The points of src/metrics/history.ts, listed as they are by the overview. */
  readonly metrics: { readonly history: { readonly intervalMs: number; list(): readonly unknown[] } };
}
