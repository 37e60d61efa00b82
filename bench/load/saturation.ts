/**
 * Saturation: closed loop with a fixed number of broadcasts in flight; throughput and CPU per
 * notification. With `connects`, the connect storm: halfway through the window that many
 * terminals never seen before send their first poll at once (bench/target.ts, connectPoll).
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { sampleCpu, sleep, type CpuSample } from "../proc.ts";
import { Samples, summarize } from "../stats.ts";
import type { DeliveryResult } from "../results.ts";
import { topology, type Target } from "../target.ts";
import { Publisher, deliveryResult } from "./publisher.ts";
import { drain, prepare } from "./subscribers.ts";

export interface SaturationOptions {
  sessions: number;
  terminals: number;
  inflight: number;
  durationSeconds: number;
  drainMs: number;
  /** The connect storm's size (0: none). */
  connects?: number;
}

interface Storm {
  firstPollMs: Samples;
  errors: number;
  lastError: string;
}

/** `count` first polls at once; each one's time from request to answer. */
async function connectStorm(target: Target, count: number): Promise<Storm> {
  const storm: Storm = { firstPollMs: new Samples(), errors: 0, lastError: "" };
  const connectPoll = target.connectPoll;
  if (!connectPoll) throw new Error(`${target.name} has no connect storm`);
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const t = performance.now();
      try {
        await connectPoll(i);
        storm.firstPollMs.push(performance.now() - t);
      } catch (error) {
        storm.errors++;
        storm.lastError = (error as Error).message;
      }
    }),
  );
  return storm;
}

export async function runSaturation(target: Target, options: SaturationOptions): Promise<DeliveryResult> {
  const sessions = topology(options.sessions, options.terminals);
  const pool = await prepare(target, sessions, options.inflight);
  const publisher = new Publisher(target, sessions);
  const deliveredAtStart = pool.deliveries.delivered;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const from = sampleCpu(target.pids);
  const end = from.at + options.durationSeconds * 1000;
  // The window closes on a timer, while the publishers are still busy: steady state only.
  let window: { to: CpuSample; delivered: number; broadcasts: number } | undefined;
  const closer = sleep(options.durationSeconds * 1000).then(() => {
    loop.disable();
    window = { to: sampleCpu(target.pids), delivered: pool.deliveries.delivered - deliveredAtStart, broadcasts: publisher.broadcasts };
  });
  const connects = options.connects ?? 0;
  const storm = connects > 0 ? sleep((options.durationSeconds * 1000) / 2).then(() => connectStorm(target, connects)) : undefined;
  const workers = Array.from({ length: options.inflight }, async () => {
    while (performance.now() < end) await publisher.next();
  });
  await Promise.race([Promise.all(workers), sleep(options.durationSeconds * 1000 + 30_000)]);
  await closer;
  const stormed = await storm;
  await drain(pool.deliveries, () => publisher.expected, options.drainMs);
  await pool.stop();
  const result = deliveryResult(
    {
      scenario: stormed ? "connect" : "saturation",
      sessions: options.sessions,
      terminals: options.terminals,
      inflight: options.inflight,
      durationSeconds: options.durationSeconds,
    },
    target,
    publisher,
    pool.deliveries,
    { from, ...window!, loop },
  );
  if (!stormed) return result;
  return {
    ...result,
    connects,
    connectErrors: stormed.errors,
    ...(stormed.errors ? { lastConnectError: stormed.lastError } : {}),
    firstPollMs: summarize(stormed.firstPollMs.values()),
  };
}
