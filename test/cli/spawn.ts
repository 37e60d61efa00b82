import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, repoRoot } from "../helpers/process.ts";

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Exit code, or 128 + signal number when a signal ended it (what a shell reports). */
  exited: Promise<number>;
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };

/** Runs `command` in the repository with POS_SYNC_* settings, collecting stdout and stderr. */
export function spawnIn(command: string, args: string[], env: Record<string, string>, options: SpawnOptions = {}): Spawned {
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, POS_SYNC_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    ...options,
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = once(child, "close").then(([code, signal]) => (code as number | null) ?? 128 + (SIGNAL_NUMBERS[signal as string] ?? 0));
  return { child, output: () => output, exited };
}

/** The fields of the server's "listening" line, once it is written. */
export async function listening(spawned: Spawned): Promise<{ url: string; pid: number; version: string; hostname: string; testFeatures: boolean }> {
  const found = () =>
    spawned
      .output()
      .split("\n")
      .find((line) => line.includes('"msg":"listening"'));
  await new Promise<void>((resolve, reject) => {
    const check = () => found() && resolve();
    spawned.child.stdout!.on("data", check);
    check();
    spawned.exited.then((code) => reject(new Error(`exited with ${code} before listening:\n${spawned.output()}`)));
  });
  return JSON.parse(found()!) as Awaited<ReturnType<typeof listening>>;
}

/** A fresh folder for a test's database. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "pos-sync-cli-"));
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export { freePort, repoRoot };
