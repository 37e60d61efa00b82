import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { channel, rpc } from "./helpers/rpc.ts";
import { waitFor } from "./helpers/wait.ts";
import { runToExit, spawnServer } from "./helpers/process.ts";

describe("the server process (npm start runs dist/main.js)", () => {
  test("a bad configuration value stops the start with a message naming the setting", async () => {
    const { code, output } = await runToExit({ POS_SYNC_POLL_TIMEOUT: "forever" });
    expect(code).not.toBe(0);
    expect(output).toContain("POS_SYNC_POLL_TIMEOUT");
  });

  test("creates its data folder, serves, and on SIGTERM answers held polls with [] and exits 0 within 5 s", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pos-sync-main-"));
    const db = join(dir, "nested", "data", "pos-sync.sqlite");
    const server = await spawnServer({ POS_SYNC_DB: db, POS_SYNC_POLL_TIMEOUT: "30" });
    expect(existsSync(db)).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    const held = rpc(`${server.url}/longpolling/poll`, { channels: [channel("shop1", "pos.longpolling", 1)], last: 0 });
    await waitFor(async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { heldPolls: number }).heldPolls === 1, "the poll to be held");
    const stoppedAt = Date.now();
    server.child.kill("SIGTERM");
    expect((await held).body.result).toEqual([]);
    expect(await server.exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    expect(server.output()).toContain('"msg":"stopped"');
  });

  test("SIGINT stops it cleanly too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pos-sync-main-"));
    const server = await spawnServer({ POS_SYNC_DB: join(dir, "x.sqlite") });
    server.child.kill("SIGINT");
    expect(await server.exited).toBe(0);
  });
});
