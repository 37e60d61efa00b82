/** The built server as a child process that can be killed with SIGKILL and started again on the same file and port. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

export class ServerProcess {
  private child: ChildProcess | undefined;
  starts = 0;

  constructor(
    private readonly env: Record<string, string>,
    readonly url: string,
  ) {}

  /** Starts `node dist/main.js` and resolves once /healthz answers. */
  async start(): Promise<void> {
    const child = spawn(process.execPath, ["dist/main.js"], { cwd: repoRoot, env: { ...process.env, ...this.env }, stdio: ["ignore", "ignore", "inherit"] });
    this.child = child;
    this.starts += 1;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} while starting`);
      const healthy = await fetch(`${this.url}/healthz`).then(
        (response) => response.ok,
        () => false,
      );
      if (healthy) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error("server did not become healthy within 20 s");
  }

  /** kill -9: no shutdown, no flush, whatever was in flight is cut off. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGKILL");
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  }
}
