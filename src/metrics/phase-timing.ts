/**
 * Where a broadcast's time goes, for `npm run bench`: 1 in N transactions that send
 * notifications is followed from its start (the request is parsed and validated) through its
 * commit to the last poll reply that carries one of its notifications. With the process's GC
 * pauses and event-loop delay, the samples are written as JSON to a file when the process exits.
 *
 * A diagnostic, not a setting: POS_SYNC_PHASE_SAMPLING=N (unset or 0: off) and
 * POS_SYNC_PHASE_FILE=<path>. Off, every hook returns on its first comparison.
 */
import { writeFileSync } from "node:fs";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import type { TransactionTiming } from "../bus/bus.ts";
import type { RouteHooks } from "../http/hooks.ts";
import type { PollObserver } from "../longpolling/feature.ts";

/** One sampled transaction; times are performance.now() milliseconds. */
export interface PhaseSample {
  begun: number;
  committed: number;
  /** Its notifications, one per receiving poll channel. */
  notifications: number;
  firstWoken: number;
  lastWoken: number;
  firstWritten: number;
  lastWritten: number;
  /** Notifications not yet in a written reply. */
  remaining: number;
}

export interface GcPause {
  start: number;
  ms: number;
  kind: number;
}

export interface PhaseReport {
  every: number;
  /** performance.now() when the report was made: the process's life, ms. */
  lifeMs: number;
  samples: PhaseSample[];
  /** Sampled transactions whose notifications were not all delivered when the process exited or the table filled. */
  unfinished: number;
  gc: GcPause[];
  eventLoopDelayMs: { p50: number; p99: number; max: number };
}

const PENDING_LIMIT = 20_000;
const GC_LIMIT = 100_000;

export class PhaseTiming implements TransactionTiming<PhaseSample> {
  private counter = 0;
  /** Sampled transactions by notification id, until a written reply carries that notification. */
  /** By channel and id: ids are counted per database on PostgreSQL, and a channel names its database. */
  private readonly pending = new Map<string, PhaseSample>();
  /** The samples a poll reply carries, from the moment the poll has its notifications until it is written. */
  private readonly inReply = new WeakMap<object, PhaseSample[]>();
  private readonly samples: PhaseSample[] = [];
  private unfinished = 0;

  constructor(readonly every: number) {}

  /** At the start of a transaction: a sample for 1 transaction in `every`, otherwise undefined. */
  begin(): PhaseSample | undefined {
    if (this.every === 0 || ++this.counter % this.every !== 0) return undefined;
    const t = performance.now();
    return { begun: t, committed: NaN, notifications: 0, firstWoken: NaN, lastWoken: NaN, firstWritten: NaN, lastWritten: NaN, remaining: 0 };
  }

  /** Right after the commit, with the notifications the transaction stored. */
  committed(sample: PhaseSample | undefined, sent: readonly Sent[]): void {
    if (sample === undefined || sent.length === 0) return;
    sample.committed = performance.now();
    sample.notifications = sample.remaining = sent.length;
    if (this.pending.size + sent.length > PENDING_LIMIT) this.forgetOldest();
    for (const notification of sent) this.pending.set(keyOf(notification), sample);
  }

  /** When a poll has the notifications it will answer with; `reply` identifies that poll until written(). */
  woken(notifications: readonly Sent[], reply: object): void {
    if (this.every === 0 || this.pending.size === 0) return;
    let carried: PhaseSample[] | undefined;
    let now = 0;
    for (const notification of notifications) {
      const sample = this.pending.get(keyOf(notification));
      if (sample === undefined) continue;
      this.pending.delete(keyOf(notification));
      if (carried === undefined) {
        carried = [];
        now = performance.now();
      }
      if (Number.isNaN(sample.firstWoken)) sample.firstWoken = now;
      sample.lastWoken = now;
      carried.push(sample);
    }
    if (carried) this.inReply.set(reply, carried);
  }

  /** Once the reply of the poll `reply` has been handed to the socket. */
  written(reply: object): void {
    if (this.every === 0) return;
    const carried = this.inReply.get(reply);
    if (carried === undefined) return;
    this.inReply.delete(reply);
    const now = performance.now();
    for (const sample of carried) {
      if (Number.isNaN(sample.firstWritten)) sample.firstWritten = now;
      sample.lastWritten = now;
      if (--sample.remaining === 0) this.samples.push(sample);
    }
  }

  report(gc: GcPause[] = [], eventLoopDelayMs = { p50: NaN, p99: NaN, max: NaN }): PhaseReport {
    const open = new Set(this.pending.values()).size;
    return { every: this.every, lifeMs: performance.now(), samples: this.samples, unfinished: this.unfinished + open, gc, eventLoopDelayMs };
  }

  /** A subscriber that never polls again must not grow the table: drop the oldest half. */
  private forgetOldest(): void {
    const dropped = new Set<PhaseSample>();
    for (const [id, sample] of this.pending) {
      if (this.pending.size <= PENDING_LIMIT / 2) break;
      this.pending.delete(id);
      dropped.add(sample);
    }
    this.unfinished += dropped.size;
  }
}

/** The phase timing POS_SYNC_PHASE_SAMPLING and POS_SYNC_PHASE_FILE ask for; undefined when off. One per server, made by src/app/. */
export function phaseTimingFromEnv(env: NodeJS.ProcessEnv): PhaseTiming | undefined {
  const raw = env.POS_SYNC_PHASE_SAMPLING;
  if (raw === undefined || raw === "" || raw === "0") return undefined;
  const every = Number(raw);
  if (!Number.isInteger(every) || every < 0) throw new Error(`POS_SYNC_PHASE_SAMPLING must be an integer >= 0 (sample 1 broadcast in N), got "${raw}"`);
  const file = env.POS_SYNC_PHASE_FILE;
  if (!file) throw new Error("POS_SYNC_PHASE_SAMPLING needs POS_SYNC_PHASE_FILE, the file the samples are written to at exit");
  const timing = new PhaseTiming(every);
  const gc: GcPause[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (gc.length < GC_LIMIT) gc.push({ start: entry.startTime, ms: entry.duration, kind: (entry as { detail?: { kind?: number } }).detail?.kind ?? 0 });
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  process.once("exit", () => {
    loop.disable();
    observer.disconnect();
    const delay = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 };
    writeFileSync(file, JSON.stringify(timing.report(gc, delay)));
  });
  return timing;
}

/** The poll observer and the door's hook that time the last phases: a poll woken, its reply written (the caller is the poll's key). */
export function phaseTimingObservers(timing: PhaseTiming): { poll: PollObserver; hooks: RouteHooks } {
  return {
    poll: {
      pollEnded(_channels, notifications, caller, peek) {
        if (!peek) timing.woken(notifications, caller);
      },
    },
    hooks: {
      finished(call) {
        timing.written(call.caller);
      },
    },
  };
}

interface Sent {
  id: number;
  channel: string;
}

function keyOf(notification: Sent): string {
  return `${notification.id} ${notification.channel}`;
}
