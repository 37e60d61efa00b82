import { once } from "node:events";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { CheckpointFailure, CheckpointWorkerData } from "./checkpoint-worker.ts";

/**
 * Copies the WAL back into the database file from a worker thread (checkpoint-worker.ts), on
 * its own connection. A checkpoint fsyncs; run on the main thread (SQLite's auto-checkpoint) it
 * stalls every poll and update for milliseconds at a time.
 */
export interface Checkpointer {
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  synchronous: "normal" | "full";
  intervalMs?: number;
  /** Told of each failed checkpoint (the next one retries). */
  onFailure: (message: string) => void;
}

export function startCheckpointer(path: string, options: CheckpointerOptions): Checkpointer {
  const workerData: CheckpointWorkerData = { path, synchronous: options.synchronous, intervalMs: options.intervalMs ?? 1000 };
  const worker = import.meta.url.endsWith(".ts")
    ? new Worker(throughTsx(new URL("./checkpoint-worker.ts", import.meta.url)), { eval: true, workerData })
    : new Worker(new URL("./checkpoint-worker.js", import.meta.url), { workerData });
  worker.on("message", (message: CheckpointFailure) => options.onFailure(message.message));
  worker.on("error", (error) => options.onFailure(error.message));
  worker.unref();
  const exited = once(worker, "exit");
  return {
    async stop() {
      worker.ref(); // keep the process alive until the last checkpoint is done
      worker.postMessage("stop");
      await exited;
    },
  };
}

/** Run from the sources (tests, tsx), the worker is TypeScript too: it loads through tsx's loader first. */
function throughTsx(script: URL): string {
  const tsxRoot = dirname(createRequire(import.meta.url).resolve("tsx/package.json"));
  const tsx = pathToFileURL(join(tsxRoot, "dist/esm/api/index.mjs")).href;
  return `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(script.href)}); });`;
}
