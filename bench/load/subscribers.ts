/** The terminals' side of fan-out and saturation: long-poll loops that record every delivery. */
import { setMaxListeners } from "node:events";
import { sleep } from "../proc.ts";
import { Samples } from "../stats.ts";
import type { BenchData, Target, Terminal } from "../target.ts";

export class Deliveries {
  /** Latency (ms) from publish start to receipt, one per delivered notification. */
  readonly latency = new Samples();
  delivered = 0;
  /** Poll replies (or stream events) that carried at least one benchmark payload. */
  replies = 0;
  duplicates = 0;
  errors = 0;
  lastError = "";
  private readonly seen = new Map<number, Set<number>>();
  private readonly warmed = new Set<number>();

  record(terminal: Terminal, data: BenchData, now: number): void {
    if (data.seq < 0) {
      this.warmed.add(terminal.id);
      return;
    }
    let seen = this.seen.get(terminal.id);
    if (!seen) this.seen.set(terminal.id, (seen = new Set()));
    if (seen.has(data.seq)) {
      this.duplicates++;
      return;
    }
    seen.add(data.seq);
    this.delivered++;
    this.latency.push(now - data.t);
  }

  warmedCount(): number {
    return this.warmed.size;
  }
}

export interface SubscriberPool {
  deliveries: Deliveries;
  /** Abort every held poll and wait for the loops to end. */
  stop(): Promise<void>;
}

export function startSubscribers(target: Target, terminals: Terminal[]): SubscriberPool {
  const deliveries = new Deliveries();
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const loops = terminals.map(async (terminal) => {
    const subscriber = target.subscriber(terminal);
    while (!controller.signal.aborted) {
      try {
        const batch = await subscriber.poll(controller.signal);
        const now = performance.now();
        if (batch.length > 0) deliveries.replies++;
        for (const data of batch) deliveries.record(terminal, data, now);
      } catch (error) {
        if (controller.signal.aborted) break;
        deliveries.errors++;
        deliveries.lastError = (error as Error).message;
        await sleep(50);
      }
    }
  });
  return {
    deliveries,
    async stop() {
      controller.abort();
      await Promise.race([Promise.allSettled(loops), sleep(5000)]);
    },
  };
}

/**
 * Register every terminal, open `publishers` keep-alive publisher connections, start the pollers
 * and wait until each has received a warm-up broadcast: connection set-up is never measured.
 */
export async function prepare(target: Target, sessions: Terminal[][], publishers: number): Promise<SubscriberPool> {
  await Promise.all(sessions.map((terminals) => target.register(terminals)));
  await target.warmPublishers(publishers);
  const all = sessions.flat();
  const pool = startSubscribers(target, all);
  await sleep(200);
  const deadline = performance.now() + 10_000;
  // Re-send the warm-up until every subscriber got one (its first poll may arrive late), bounded.
  while (pool.deliveries.warmedCount() < all.length && performance.now() < deadline) {
    await Promise.all(sessions.map((terminals, s) => target.publish(s + 1, terminals, { t: performance.now(), seq: -1 })));
    const until = Math.min(deadline, performance.now() + 1000);
    while (pool.deliveries.warmedCount() < all.length && performance.now() < until) await sleep(10);
  }
  if (pool.deliveries.warmedCount() < all.length) {
    await pool.stop();
    throw new Error(`warm-up: ${pool.deliveries.warmedCount()} of ${all.length} subscribers received a broadcast (${pool.deliveries.lastError})`);
  }
  return pool;
}

/**
 * Wait until `expected` notifications are delivered. A backlog that is still moving is lag, not
 * loss: give up only after `stallMs` without progress, or after `maxMs` in all.
 */
export async function drain(deliveries: Deliveries, expected: () => number, stallMs: number, maxMs = 60_000): Promise<void> {
  const deadline = performance.now() + maxMs;
  let progressAt = performance.now();
  let last = deliveries.delivered;
  while (deliveries.delivered < expected() && performance.now() < deadline && performance.now() - progressAt < stallMs) {
    await sleep(5);
    if (deliveries.delivered !== last) {
      last = deliveries.delivered;
      progressAt = performance.now();
    }
  }
}
