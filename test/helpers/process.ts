import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return port;
}

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs the built server (`node dist/main.js`, what `npm start` runs) and waits for it to listen. */
export async function spawnServer(env: Record<string, string>, args: string[] = []): Promise<ServerProcess> {
  const port = env.POS_SYNC_PORT ?? String(await freePort());
  const child = spawn(process.execPath, ["dist/main.js", ...args], {
    cwd: repoRoot,
    env: { ...process.env, POS_SYNC_LOG_LEVEL: "info", ...env, POS_SYNC_PORT: port },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  // "close", not "exit": by then everything the process wrote has been read.
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", () => output.includes('"msg":"listening"') && resolve());
    exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${output}`)));
  });
  await listening;
  return { child, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Runs the built server expecting it to exit; resolves with its exit code and output. */
export async function runToExit(env: Record<string, string>, args: string[] = [], timeoutMs = 10_000) {
  const child = spawn(process.execPath, ["dist/main.js", ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const [code] = (await once(child, "close")) as [number | null];
  clearTimeout(timer);
  return { code, output };
}
