/** One point of the console's chart. */
export interface HistoryPoint {
  /** Epoch ms at the end of the interval. */
  at: number;
  notificationsPerSecond: number;
  deliveredPerSecond: number;
  /** p99 of the commits of the interval, null when there were none. */
  commitP99Ms: number | null;
  heldPolls: number;
}

/** Commits kept per interval for the p99; past this, later ones replace random earlier ones. */
const MAX_SAMPLES = 4096;

/**
 * The last few minutes of throughput and commit time, for the console's live chart. Kept
 * beside the Prometheus registry rather than read back from it: a histogram's buckets give a
 * p99 only to the nearest bucket bound, and the chart wants the figures of each interval.
 */
export class MetricsHistory {
  private readonly points: HistoryPoint[] = [];
  private written = 0;
  private delivered_ = 0;
  private samples: number[] = [];
  private seen = 0;
  private readonly timer: NodeJS.Timeout;
  private intervalStartedAt = Date.now();

  constructor(
    readonly intervalMs: number,
    private readonly heldPolls: () => number,
    private readonly capacity = 120,
  ) {
    this.timer = setInterval(() => this.takePoint(), intervalMs);
    this.timer.unref();
  }

  committed(seconds: number, written: number): void {
    this.written += written;
    this.seen += 1;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(seconds);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < MAX_SAMPLES) this.samples[slot] = seconds;
    }
  }

  delivered(count: number): void {
    this.delivered_ += count;
  }

  list(): readonly HistoryPoint[] {
    return this.points;
  }

  takePoint(now = Date.now()): HistoryPoint {
    const seconds = Math.max((now - this.intervalStartedAt) / 1000, 0.001);
    const point: HistoryPoint = {
      at: now,
      notificationsPerSecond: round(this.written / seconds),
      deliveredPerSecond: round(this.delivered_ / seconds),
      commitP99Ms: this.samples.length > 0 ? round(percentile(this.samples, 0.99) * 1000) : null,
      heldPolls: this.heldPolls(),
    };
    this.points.push(point);
    if (this.points.length > this.capacity) this.points.shift();
    this.written = 0;
    this.delivered_ = 0;
    this.samples = [];
    this.seen = 0;
    this.intervalStartedAt = now;
    return point;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
