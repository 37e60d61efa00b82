import { afterEach, describe, expect, test } from "vitest";

import { startServer, type TestServer } from "../helpers/server.ts";
import { serverOrder, serverScreen, settle, SimulatedPos } from "../helpers/simulated-pos.ts";

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

/** A small deterministic generator, so a failing run can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe("merge on, under load", () => {
  test.each([1, 2, 3])(
    "three terminals edit their own lines of one order at once, reading their bus at random (seed %i): all merged, no gap, all equal",
    async (seed) => {
      const next = random(seed);
      server = await startServer({ merge: true });
      const terminals = [1, 2, 3].map((posId) => new SimulatedPos(server.url, { posId }));
      for (const terminal of terminals) await terminal.start();
      await terminals[0]!.newOrder("o1");
      await terminals[0]!.addProduct("o1", 100);
      await settle(terminals);

      await Promise.all(
        terminals.map(async (terminal, t) => {
          const own = [1, 2, 3].map((p) => 10 * (t + 1) + p);
          for (let step = 0; step < 8; step++) {
            const product = own[Math.floor(next() * own.length)]!;
            const onScreen = terminal.screen("o1").some(([id]) => id === product);
            if (onScreen && next() < 0.5) await terminal.setQuantity("o1", product, 2 + Math.floor(next() * 9));
            else await terminal.addProduct("o1", product);
            if (next() < 0.5) await terminal.deliver(Math.floor(next() * 4));
          }
        }),
      );
      await settle(terminals);

      // 25 updates or so: every stale revision is still among the 32 kept.
      expect(server.merges.snapshot()).toMatchObject({ conflict: 0, unmergeable: 0 });
      const held = serverScreen(await serverOrder(server.url, "o1"));
      if (process.env.TRACE) for (const terminal of terminals) console.log(`POS ${terminal.posId}\n` + terminal.trace.join("\n"));
      for (const terminal of terminals) {
        expect(terminal.warnings, `POS ${terminal.posId} warnings`).toBe(0);
        expect(terminal.gaps, `POS ${terminal.posId} gaps`).toBe(0);
        expect(terminal.screen("o1").sort(), `POS ${terminal.posId}`).toEqual([...held].sort());
      }
      for (const t of [0, 1, 2]) expect(held.some(([product]) => product > 10 * (t + 1) && product < 10 * (t + 2))).toBe(true);
    },
    60_000,
  );
});
