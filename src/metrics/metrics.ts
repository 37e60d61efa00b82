import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BusObserver, PollOutcome } from "../bus/bus.ts";
import { MetricsHistory } from "./history.ts";
import { sharedFor } from "../shared-read.ts";

/** Seconds; from a fraction of a millisecond (a group commit) to a slow disk or a loaded machine. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface MetricsOptions {
  version: string;
  /** Read at scrape time, so the gauge costs nothing between scrapes. */
  heldPolls: () => number;
  /** How often the console's chart takes a point (ms). */
  historyIntervalMs?: number;
  /** Totals kept elsewhere, read at scrape time: merges by outcome (POS_SYNC_MERGE), fault injections by effect. */
  mergeOutcomes?: () => Readonly<Record<string, number>>;
  faultInjections?: () => Readonly<Record<string, number>>;
  /** Terminals behind and the age of the oldest unacknowledged notification, across the cluster; read once per scrape. */
  terminalsLag?: () => Promise<TerminalsLag>;
}

export interface TerminalsLag {
  behind: number;
  /** 0 when every terminal acknowledged everything on its channels. */
  oldestUnacknowledgedMs: number;
}

/** The gauges of one scrape share one read; a failed read leaves them at their last values. */
const LAG_READ_REUSED_MS = 1000;

function lagGauges(read: () => Promise<TerminalsLag>, registers: Registry[]): void {
  // A failed read is kept too (as undefined): one read per scrape either way.
  const lag = sharedFor(LAG_READ_REUSED_MS, () => read().catch(() => undefined));
  new Gauge({
    name: "pos_sync_terminals_behind",
    help: "Terminals whose oldest unacknowledged notification is older than POS_SYNC_BEHIND_AFTER (every node counts the whole cluster)",
    registers,
    async collect() {
      const now = await lag();
      if (now) this.set(now.behind);
    },
  });
  new Gauge({
    name: "pos_sync_oldest_unacknowledged_seconds",
    help: "Age of the oldest notification a terminal has not acknowledged with its next poll (0 when none)",
    registers,
    async collect() {
      const now = await lag();
      if (now) this.set(now.oldestUnacknowledgedMs / 1000);
    },
  });
}

/** What a sync update request came to, as far as the counters care. */
export type SyncOutcome = "revision_error" | "nonce_retry" | "sync_all" | "other";

/**
 * The server's Prometheus metrics, in a registry of its own (not prom-client's global one), so
 * several servers in one process keep separate figures. Every name starts with pos_sync_; no
 * label carries a terminal, an order or a database, so the number of series stays fixed.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly history: MetricsHistory;
  readonly bus: BusObserver;
  private readonly requests: Counter<"route" | "status">;
  private readonly appErrors: Counter<"type">;
  private readonly revisionErrors: Counter;
  private readonly syncAlls: Counter;
  private readonly nonceRetries: Counter;

  constructor(options: MetricsOptions) {
    const registers = [this.registry];
    const countedElsewhere = (name: string, help: string, label: string, totals: (() => Readonly<Record<string, number>>) | undefined) => {
      if (!totals) return;
      new Counter({
        name,
        help,
        labelNames: [label],
        registers,
        collect() {
          this.reset();
          for (const [value, total] of Object.entries(totals())) this.inc({ [label]: value }, total);
        },
      });
    };
    collectDefaultMetrics({ register: this.registry, prefix: "pos_sync_" });
    new Gauge({ name: "pos_sync_build_info", help: "Always 1; the version is in the label", labelNames: ["version"], registers }).set(
      { version: options.version },
      1,
    );
    new Gauge({
      name: "pos_sync_held_polls",
      help: "Long polls held open right now",
      registers,
      collect() {
        this.set(options.heldPolls());
      },
    });
    countedElsewhere(
      "pos_sync_merges_total",
      "Stale update_orders with POS_SYNC_MERGE on, by outcome: merged, conflict, unmergeable",
      "outcome",
      options.mergeOutcomes,
    );
    countedElsewhere("pos_sync_fault_injections_total", "QA fault rule injections, by effect", "effect", options.faultInjections);
    if (options.terminalsLag) lagGauges(options.terminalsLag, registers);
    const pollsAnswered = new Counter({
      name: "pos_sync_polls_answered_total",
      help: "Polls answered, by result: notifications, timeout (empty), client_gone, empty (peek or shutdown)",
      labelNames: ["result"],
      registers,
    });
    const written = new Counter({ name: "pos_sync_notifications_written_total", help: "Notifications committed to the store", registers });
    const delivered = new Counter({ name: "pos_sync_notifications_delivered_total", help: "Notifications handed to pollers in replies", registers });
    const deliverySeconds = new Histogram({
      name: "pos_sync_delivery_seconds",
      help: "From the commit of a notification to the answer of the poll it woke",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const commitSeconds = new Histogram({
      name: "pos_sync_commit_seconds",
      help: "From the start of a bus transaction to its commit (includes waiting for the group commit)",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    const retentionDeleted = new Counter({ name: "pos_sync_retention_deleted_total", help: "Notifications deleted by retention (and test GC)", registers });
    this.requests = new Counter({
      name: "pos_sync_requests_total",
      help: "HTTP requests answered, by route pattern and status",
      labelNames: ["route", "status"],
      registers,
    });
    this.appErrors = new Counter({
      name: "pos_sync_app_errors_total",
      help: "Error replies, by type (validation_error, access_denied, user_error, parse_error, ...)",
      labelNames: ["type"],
      registers,
    });
    this.revisionErrors = new Counter({ name: "pos_sync_revision_errors_total", help: "update_order/remove_order refused with revision_error", registers });
    this.syncAlls = new Counter({ name: "pos_sync_sync_all_total", help: "sync_all requests answered", registers });
    this.nonceRetries = new Counter({
      name: "pos_sync_nonce_retries_total",
      help: "update_order retries recognised by their nonce (nothing applied twice)",
      registers,
    });
    for (const result of ["notifications", "timeout", "client_gone", "empty"] satisfies PollOutcome[]) pollsAnswered.inc({ result }, 0);

    const history = (this.history = new MetricsHistory(options.historyIntervalMs ?? 5000, options.heldPolls));
    this.bus = {
      committed(seconds, count) {
        commitSeconds.observe(seconds);
        if (count > 0) written.inc(count);
        history.committed(seconds, count);
      },
      pollAnswered(outcome, count, latencySeconds) {
        pollsAnswered.inc({ result: outcome });
        if (count > 0) delivered.inc(count);
        if (latencySeconds !== undefined) deliverySeconds.observe(latencySeconds);
        history.delivered(count);
      },
      deleted(count) {
        if (count > 0) retentionDeleted.inc(count);
      },
    };
  }

  /** One HTTP reply. `route` is the route's pattern, never the concrete path (it may hold a key). */
  replied(route: string, status: number, errorType: string | undefined): void {
    this.requests.inc({ route, status: String(status) });
    if (errorType) this.appErrors.inc({ type: errorType });
  }

  syncOutcome(outcome: SyncOutcome): void {
    if (outcome === "revision_error") this.revisionErrors.inc();
    else if (outcome === "nonce_retry") this.nonceRetries.inc();
    else if (outcome === "sync_all") this.syncAlls.inc();
  }

  /** The Prometheus text exposition. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.history.stop();
  }
}
