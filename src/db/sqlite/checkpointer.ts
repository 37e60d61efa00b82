import { createRequire } from "node:module";
import { once } from "node:events";
import { Worker } from "node:worker_threads";

/**
 * Copies the WAL back into the database file from a worker thread, on its own connection.
 * A checkpoint fsyncs; run on the main thread (SQLite's auto-checkpoint) it stalls every poll
 * and update for milliseconds at a time.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma("busy_timeout = 1000");
db.pragma("synchronous = " + workerData.synchronous);
const checkpoint = (mode) => { try { db.pragma("wal_checkpoint(" + mode + ")"); } catch {} };
const timer = setInterval(() => checkpoint("PASSIVE"), workerData.intervalMs);
parentPort.on("message", () => {
  clearInterval(timer);
  checkpoint("PASSIVE");
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(path: string, synchronous: "normal" | "full", intervalMs = 1000): Checkpointer {
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path, synchronous, intervalMs } });
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
