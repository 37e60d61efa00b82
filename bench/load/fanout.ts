/** Fan-out: open-loop broadcasts at a fixed rate; latency of every delivered notification. */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { sampleCpu, sleep } from "../proc.ts";
import type { DeliveryResult } from "../results.ts";
import { topology, type Target } from "../target.ts";
import { Publisher, deliveryResult } from "./publisher.ts";
import { drain, prepare } from "./subscribers.ts";

export interface FanoutOptions {
  sessions: number;
  terminals: number;
  /** Broadcasts per second, all sessions together, round-robin. */
  rate: number;
  durationSeconds: number;
  /** How long to wait for stragglers after the last publish returned. */
  drainMs: number;
}

export async function runFanout(target: Target, options: FanoutOptions): Promise<DeliveryResult> {
  const sessions = topology(options.sessions, options.terminals);
  // The agent may use up to 64 sockets when publishes queue up: open them all beforehand.
  const pool = await prepare(target, sessions, 64);
  const publisher = new Publisher(target, sessions);
  const total = Math.max(1, Math.round(options.rate * options.durationSeconds));
  const interval = 1000 / options.rate;
  const pending: Promise<void>[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const from = sampleCpu(target.pids);
  const start = performance.now();
  // Open loop: broadcast k is due at start + k * interval, whatever the previous ones are doing.
  for (let k = 0; k < total; ) {
    const now = performance.now();
    while (k < total && start + k * interval <= now) {
      pending.push(publisher.next());
      k++;
    }
    if (k < total) await sleep(Math.max(0, start + k * interval - performance.now()));
  }
  await Promise.race([Promise.all(pending), sleep(30_000)]);
  await drain(pool.deliveries, () => publisher.expected, options.drainMs);
  const to = sampleCpu(target.pids);
  loop.disable();
  await pool.stop();
  return deliveryResult(
    { scenario: "fanout", sessions: options.sessions, terminals: options.terminals, rate: options.rate, durationSeconds: options.durationSeconds },
    target,
    publisher,
    pool.deliveries,
    { from, to, delivered: pool.deliveries.delivered, broadcasts: publisher.broadcasts, loop },
  );
}
