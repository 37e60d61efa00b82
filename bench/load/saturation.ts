/** Saturation: closed loop with a fixed number of broadcasts in flight; throughput and CPU per notification. */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { sampleCpu, sleep, type CpuSample } from "../proc.ts";
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
  const workers = Array.from({ length: options.inflight }, async () => {
    while (performance.now() < end) await publisher.next();
  });
  await Promise.race([Promise.all(workers), sleep(options.durationSeconds * 1000 + 30_000)]);
  await closer;
  await drain(pool.deliveries, () => publisher.expected, options.drainMs);
  await pool.stop();
  return deliveryResult(
    { scenario: "saturation", sessions: options.sessions, terminals: options.terminals, inflight: options.inflight, durationSeconds: options.durationSeconds },
    target,
    publisher,
    pool.deliveries,
    { from, ...window!, loop },
  );
}
