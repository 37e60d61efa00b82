/** The publishing side: one broadcast = one payload to every terminal of one session. */
import type { IntervalHistogram } from "node:perf_hooks";
import { cpuDelta, type CpuSample } from "../proc.ts";
import type { DeliveryResult } from "../results.ts";
import { Samples, summarize } from "../stats.ts";
import type { Target, Terminal } from "../target.ts";
import type { Deliveries } from "./subscribers.ts";

export class Publisher {
  broadcasts = 0;
  errors = 0;
  lastError = "";
  /** Notifications the subscribers must receive: terminals of each accepted broadcast. */
  expected = 0;
  readonly roundTrip = new Samples();
  private seq = 0;

  constructor(
    private readonly target: Target,
    private readonly sessions: Terminal[][],
  ) {}

  /** Publish the next broadcast, round-robin over sessions; never rejects. */
  async next(): Promise<void> {
    const seq = this.seq++;
    const terminals = this.sessions[seq % this.sessions.length]!;
    this.broadcasts++;
    const t = performance.now();
    try {
      await this.target.publish(terminals[0]!.session, terminals, { t, seq });
      this.roundTrip.push(performance.now() - t);
      this.expected += terminals.length;
    } catch (error) {
      this.errors++;
      this.lastError = (error as Error).message;
    }
  }
}

export function deliveryResult(
  base: Pick<DeliveryResult, "scenario" | "sessions" | "terminals" | "rate" | "inflight" | "durationSeconds">,
  target: Target,
  publisher: Publisher,
  deliveries: Deliveries,
  window: { from: CpuSample; to: CpuSample; delivered: number; broadcasts: number; loop: IntervalHistogram },
): DeliveryResult {
  const cpu = cpuDelta(window.from, window.to);
  const perNotification = (micros: number) => (window.delivered > 0 ? micros / window.delivered : NaN);
  return {
    ...base,
    target: target.name,
    publishMode: target.publishMode,
    broadcasts: publisher.broadcasts,
    publishErrors: publisher.errors,
    ...(publisher.errors ? { lastPublishError: publisher.lastError } : {}),
    expected: publisher.expected,
    delivered: deliveries.delivered,
    duplicates: deliveries.duplicates,
    lost: Math.max(0, publisher.expected - deliveries.delivered),
    subscriberErrors: deliveries.errors,
    ...(deliveries.errors ? { lastSubscriberError: deliveries.lastError } : {}),
    latencyMs: summarize(deliveries.latency.values()),
    publishMs: summarize(publisher.roundTrip.values()),
    cpu,
    deliveredInWindow: window.delivered,
    replies: deliveries.replies,
    deliveredPerSecond: cpu.seconds > 0 ? window.delivered / cpu.seconds : NaN,
    broadcastsPerSecond: cpu.seconds > 0 ? window.broadcasts / cpu.seconds : NaN,
    serverMicrosPerNotification: perNotification(cpu.serverMicros),
    loadMicrosPerNotification: perNotification(cpu.loadMicros),
    loadEventLoopDelayMs: {
      p50: window.loop.percentile(50) / 1e6,
      p99: window.loop.percentile(99) / 1e6,
      max: window.loop.max / 1e6,
    },
  };
}
