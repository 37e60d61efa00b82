import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { PhaseTiming, type PhaseReport } from "../../src/metrics/phase-timing.ts";
import { runToExit, spawnServer } from "../helpers/process.ts";
import { channel, rpc } from "../helpers/rpc.ts";
import { waitFor } from "../helpers/wait.ts";

describe("phase timing of broadcasts", () => {
  test("off (every 0), no transaction is sampled and the hooks keep nothing", () => {
    const timing = new PhaseTiming(0);
    expect(timing.begin()).toBeUndefined();
    timing.woken([{ id: 1, channel: "c" }], {});
    expect(timing.report().samples).toEqual([]);
  });

  test("samples 1 transaction in N and follows it until every notification is in a written reply", () => {
    const timing = new PhaseTiming(2);
    expect(timing.begin()).toBeUndefined();
    const sample = timing.begin();
    expect(sample).toBeDefined();
    timing.committed(sample, [
      { id: 7, channel: "c" },
      { id: 8, channel: "c" },
    ]);
    const first = {};
    const second = {};
    timing.woken(
      [
        { id: 6, channel: "c" },
        { id: 7, channel: "c" },
      ],
      first,
    );
    timing.written(first);
    expect(timing.report().samples).toEqual([]);
    timing.woken([{ id: 8, channel: "c" }], second);
    timing.written(second);
    const [done] = timing.report().samples;
    expect(done).toBe(sample);
    expect(done!.notifications).toBe(2);
    expect(done!.committed).toBeGreaterThanOrEqual(done!.begun);
    expect(done!.lastWoken).toBeGreaterThanOrEqual(done!.firstWoken);
    expect(done!.lastWritten).toBeGreaterThanOrEqual(done!.lastWoken);
    expect(timing.report().unfinished).toBe(0);
  });

  test("a sampled transaction that sends nothing is not followed", () => {
    const timing = new PhaseTiming(1);
    timing.committed(timing.begin(), []);
    expect(timing.report()).toMatchObject({ samples: [], unfinished: 0 });
  });

  test("the server writes the samples, GC pauses and event-loop delay to POS_SYNC_PHASE_FILE at exit", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pos-sync-phases-"));
    const file = join(dir, "phases.json");
    const server = await spawnServer({ POS_SYNC_DB: join(dir, "db.sqlite"), POS_SYNC_PHASE_SAMPLING: "1", POS_SYNC_PHASE_FILE: file });
    const pong = channel("shop1", "pos.longpolling", 5);
    const held = rpc(`${server.url}/longpolling/poll`, { channels: [pong], last: 1_000_000 });
    await waitFor(async () => ((await (await fetch(`${server.url}/healthz`)).json()) as { heldPolls: number }).heldPolls === 1, "the poll to be held");
    expect((await rpc(`${server.url}/pos_longpolling/update`, { pos_id: 5, db_name: "shop1" })).body.result).toBe(1);
    const polled = (await held).body.result as unknown[];
    expect(polled.length).toBeGreaterThan(0);
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const report = JSON.parse(readFileSync(file, "utf8")) as PhaseReport;
    expect(report.every).toBe(1);
    expect(report.samples).toHaveLength(1);
    expect(report.samples[0]!.lastWritten).toBeGreaterThanOrEqual(report.samples[0]!.committed);
    expect(report.eventLoopDelayMs.max).toBeGreaterThan(0);
  });

  test("a bad POS_SYNC_PHASE_SAMPLING stops the start with a message naming it", async () => {
    const { code, output } = await runToExit({ POS_SYNC_PHASE_SAMPLING: "often" });
    expect(code).not.toBe(0);
    expect(output).toContain("POS_SYNC_PHASE_SAMPLING");
  });
});
