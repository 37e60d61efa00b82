import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { channel, rpc } from "../helpers/rpc.ts";
import { waitFor } from "../helpers/wait.ts";
import { freePort, isAlive, listening, spawnIn, tempDir } from "./spawn.ts";

/** What a supervisor or `kill $!` does to the process a user started: `npm start`, not node itself. */
describe("npm start, stopped the way a user or a supervisor stops it", { timeout: 60_000 }, () => {
  async function startWithHeldPoll(options: { detached?: boolean } = {}) {
    const dir = tempDir();
    const db = join(dir, "pos-sync.sqlite");
    const npm = spawnIn("npm", ["start"], { POS_SYNC_DB: db, POS_SYNC_PORT: String(await freePort()), POS_SYNC_POLL_TIMEOUT: "30" }, options);
    const { url, pid } = await listening(npm);
    const held = rpc(`${url}/longpolling/poll`, { channels: [channel("shop1", "pos.longpolling", 1)], last: 0 });
    await waitFor(async () => ((await (await fetch(`${url}/healthz`)).json()) as { heldPolls: number }).heldPolls === 1, "the poll to be held");
    return { npm, held, serverPid: pid, dir };
  }

  test("SIGTERM to npm's pid: the held poll gets [], npm exits 0, the server process is gone, no -wal/-shm left", async () => {
    const { npm, held, serverPid, dir } = await startWithHeldPoll();
    const stoppedAt = Date.now();
    npm.child.kill("SIGTERM");
    expect((await held).body.result).toEqual([]);
    expect(await npm.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    await waitFor(() => !isAlive(serverPid), "the server process to be gone", 2000);
    expect(readdirSync(dir)).toEqual(["pos-sync.sqlite"]);
  });

  test("Ctrl-C (SIGINT to the whole process group): npm exits 0 and the server is gone", async () => {
    const { npm, held, serverPid, dir } = await startWithHeldPoll({ detached: true });
    process.kill(-npm.child.pid!, "SIGINT");
    expect((await held).body.result).toEqual([]);
    expect(await npm.exited).toBe(0);
    await waitFor(() => !isAlive(serverPid), "the server process to be gone", 2000);
    expect(existsSync(join(dir, "pos-sync.sqlite-wal"))).toBe(false);
  });
});
