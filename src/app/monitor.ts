import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { BusObserver, Clock } from "../bus/bus.ts";
import { Metrics, type TerminalsLag } from "../metrics/metrics.ts";
import type { UpdateRequest } from "../protocol/messages.ts";
import { Activity } from "../console/activity.ts";
import { Presence } from "../console/presence.ts";

import { version } from "../version.ts";

export interface MonitorOptions {
  clock: Clock;
  pollTimeoutMs: number;
  /** POS_SYNC_BEHIND_AFTER in ms (10 s by default). */
  behindAfterMs?: number;
  heldPolls: () => number;
  historyIntervalMs?: number;
  mergeOutcomes?: () => Readonly<Record<string, number>>;
  faultInjections?: () => Readonly<Record<string, number>>;
  /** /metrics' terminals behind; this node's own by default (src/console/shared-presence.ts has the cluster's). */
  terminalsLag?: (monitor: Monitor) => Promise<TerminalsLag>;
}

/**
 * Everything the operator sees that is not in the store: metrics, terminals' presence, recent
 * activity. Routes feed it with one call each; the console (as its NodeMonitor) and /metrics read it.
 */
export class Monitor {
  readonly metrics: Metrics;
  readonly presence: Presence;
  readonly activity: Activity;
  readonly startedAt: number;
  /** host:pid, plus a few random bytes because tests run several servers in one process. */
  readonly nodeId = `${hostname()}:${process.pid}:${randomBytes(2).toString("hex")}`;

  constructor(options: MonitorOptions) {
    this.metrics = new Metrics({
      version,
      heldPolls: options.heldPolls,
      ...(options.historyIntervalMs ? { historyIntervalMs: options.historyIntervalMs } : {}),
      ...(options.mergeOutcomes ? { mergeOutcomes: options.mergeOutcomes } : {}),
      ...(options.faultInjections ? { faultInjections: options.faultInjections } : {}),
      terminalsLag: async () => (options.terminalsLag ? options.terminalsLag(this) : this.presence.lag()),
    });
    this.presence = new Presence(options.clock, options.pollTimeoutMs, options.behindAfterMs);
    this.activity = new Activity(options.clock);
    this.startedAt = options.clock.now();
  }

  /** What the bus tells: counted by the metrics, and its notifications counted unacknowledged by presence. */
  get busObserver(): BusObserver {
    const presence = this.presence;
    return { ...this.metrics.bus, published: (batch) => presence.published(batch) };
  }

  /** A /pos_multi_session_sync/update request was applied with `result`. */
  updateApplied(request: UpdateRequest, result: unknown): void {
    this.metrics.syncOutcome(this.activity.record(request, result));
  }

  close(): void {
    this.metrics.close();
  }
}
