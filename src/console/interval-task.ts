export interface IntervalTask {
  /** Stops the timer; resolves once a run in progress has ended. */
  stop(): Promise<void>;
}

/**
 * Runs `work` every `intervalMs` without keeping the process alive, never twice at once: a run
 * still waiting on a slow store is not doubled. `work` reports its own failures and never rejects.
 */
export function startIntervalTask(work: () => Promise<void>, intervalMs: number): IntervalTask {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = work().finally(() => {
      running = undefined;
    });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
