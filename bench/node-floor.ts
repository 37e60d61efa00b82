/** Node's floor (bench/node-floor-server.ts) as a benchmark target: the same wire and client as ours. */
import { join } from "node:path";
import { startChild } from "./child.ts";
import { freePort } from "./proc.ts";
import { posSyncWire } from "./server.ts";
import type { StartOptions, Target } from "./target.ts";

export async function startNodeFloor(repoRoot: string, options: StartOptions): Promise<Target> {
  const port = await freePort();
  const fds = options.maxPolls + 4096;
  const server = join(repoRoot, "bench", "node-floor-server.ts");
  const flags = (options.nodeFlags ?? []).map((flag) => `'${flag}' `).join("");
  // tsx as an --import hook, not its CLI: the CLI would put a second process between us and the server.
  const script = `ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); [ "$(ulimit -n)" -ge ${fds} ] || echo "warning: fd limit $(ulimit -n) < ${fds}" >&2; exec '${process.execPath}' ${flags}--import tsx '${server}' ${port} ${options.pollTimeout}`;
  const child = startChild("sh", ["-c", script], { cwd: repoRoot, env: process.env });
  const target = await posSyncWire("node-floor", [{ child, port }], options, async () => {
    const code = await child.stop();
    if (code !== 0) process.stderr.write(`node floor exited with ${code}:\n${child.tail()}\n`);
  });
  return { ...target, publishMode: "the same requests as ours (bare node:http, in memory)" };
}
