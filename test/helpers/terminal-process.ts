import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";

/**
 * The POS's poll loop (pos_longpolling.js: poll, keep the highest id as the cursor, poll again at
 * once) in a process of its own, so a test can freeze it with SIGSTOP as a hung till would be:
 * its connection stays open, it reads nothing and acknowledges nothing.
 */
const LOOP = `
const [url, channelsJson] = process.argv.slice(1);
const channels = JSON.parse(channelsJson);
let last = 0;
for (let id = 1; ; id++) {
  try {
    const response = await fetch(url + "/longpolling/poll", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: { channels, last, options: {} }, id }),
    });
    const { result } = await response.json();
    for (const notification of result ?? []) last = Math.max(last, notification.id);
    process.stdout.write("received " + last + "\\n");
  } catch {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
`;

export class TerminalProcess {
  /** The cursor the loop polls with next, as it last reported it. */
  last = 0;
  private readonly exited: Promise<unknown>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      for (const match of chunk.matchAll(/received (\d+)/g)) this.last = Number(match[1]);
    });
    this.exited = once(child, "exit");
  }

  static start(url: string, channels: readonly string[]): TerminalProcess {
    return new TerminalProcess(
      spawn(process.execPath, ["--input-type=module", "-e", LOOP, url, JSON.stringify(channels)], { stdio: ["ignore", "pipe", "inherit"] }),
    );
  }

  freeze(): void {
    process.kill(this.child.pid!, "SIGSTOP");
  }

  thaw(): void {
    process.kill(this.child.pid!, "SIGCONT");
  }

  /** Thawed first: a stopped process does not act on SIGTERM until continued. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.thaw();
    this.child.kill("SIGKILL");
    await this.exited;
  }
}
