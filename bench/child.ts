/** Starting and stopping a server child process, keeping the tail of its output for errors. */
import { spawn, type ChildProcess } from "node:child_process";
import { sleep } from "./proc.ts";

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** The last lines the child printed. */
  tail(): string;
  exited(): boolean;
  stop(graceMs?: number): Promise<number | null>;
}

export function startChild(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Child {
  const proc = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split("\n").filter(Boolean));
    if (lines.length > 60) lines.splice(0, lines.length - 60);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => {
    proc.on("exit", (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve(exitCode);
    });
  });
  if (proc.pid === undefined) throw new Error(`could not start ${command}`);
  return {
    proc,
    pid: proc.pid,
    tail: () => lines.join("\n"),
    exited: () => exitCode !== undefined,
    async stop(graceMs = 6000) {
      if (exitCode !== undefined) return exitCode;
      proc.kill("SIGTERM");
      const code = await Promise.race([exit, sleep(graceMs).then(() => "timeout" as const)]);
      if (code !== "timeout") return code;
      proc.kill("SIGKILL");
      return exit;
    },
  };
}

/** Wait until `probe` succeeds, the child exits, or the deadline passes. */
export async function waitReady(child: Child, probe: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exited()) throw new Error(`${what} exited during start:\n${child.tail()}`);
    try {
      if (await probe()) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await child.stop(1000);
  throw new Error(`${what} not ready after ${timeoutMs} ms:\n${child.tail()}`);
}
