import type { Logger } from "pino";
import type { Bus, Clock } from "./bus.ts";

export interface RetentionOptions {
  retentionMs: number;
  intervalMs: number;
}

/** Deletes notifications older than the retention period, on a timer. Returns the stopper. */
export function startRetention(bus: Bus, clock: Clock, options: RetentionOptions, log: Logger): () => void {
  let running = false;
  const collect = async () => {
    if (running) return;
    running = true;
    try {
      const deleted = await bus.deleteUpTo(clock.now() - options.retentionMs - 1);
      if (deleted.length > 0) log.debug({ deleted: deleted.length }, "notifications past retention deleted");
    } catch (error) {
      log.error({ err: error }, "retention garbage collection failed");
    } finally {
      running = false;
    }
  };
  const timer = setInterval(collect, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
