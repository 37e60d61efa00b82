import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";

/** What startCheckpointer hands the worker. */
export interface CheckpointWorkerData {
  path: string;
  synchronous: "normal" | "full";
  intervalMs: number;
}

/** What the worker tells its parent: a checkpoint that failed (the parent logs it). */
export interface CheckpointFailure {
  type: "checkpoint-failed";
  message: string;
}

// Runs in a worker thread (see checkpointer.ts): its own connection, so fsyncs never stall the main thread.
const { path, synchronous, intervalMs } = workerData as CheckpointWorkerData;
const port = parentPort!;
const db = new Database(path);
db.pragma("busy_timeout = 1000");
db.pragma(`synchronous = ${synchronous}`);

function checkpoint(): void {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (error) {
    const failure: CheckpointFailure = { type: "checkpoint-failed", message: error instanceof Error ? error.message : String(error) };
    port.postMessage(failure);
  }
}

const timer = setInterval(checkpoint, intervalMs);
port.on("message", () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  port.close();
});
