import { afterEach, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";
import { SimulatedPos } from "../helpers/simulated-pos.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Order o1's lines l1, l2, ... of products 5, 6, ... with these quantities. */
const o1Lines = (...quantities: number[]) => quantities.map((qty, i) => ({ uid: `l${i + 1}`, id: i + 1, product_id: 5 + i, qty, price_unit: 2 }));

async function twoTerminals() {
  server = await startServer();
  const a = new SimulatedPos(server.url, { posId: 1 });
  const b = new SimulatedPos(server.url, { posId: 2 });
  await a.start();
  await b.start();
  return { a, b };
}

/** Every order the server holds as product -> quantity, and the same seen by `pos`. */
async function screens(pos: SimulatedPos) {
  const observer = new SimulatedPos(server!.url, { posId: 99 });
  await observer.syncAll();
  const of = (terminal: SimulatedPos) => Object.fromEntries([...terminal.orders.keys()].sort().map((uid) => [uid, terminal.screen(uid)]));
  return { server: of(observer), pos: of(pos) };
}

describe("a sync_all snapshot converges an unmodified POS", () => {
  test("B misses two updates to line 1 and one to line 2; the gap triggers sync_all and B ends equal to the server", async () => {
    const { a, b } = await twoTerminals();
    await a.editOrder("o1", o1Lines(1, 1));
    await a.editOrder("o1", o1Lines(2, 1));
    // The first broadcast builds the order (new line uids), the second brings A's line uids back.
    await b.receive(2);
    const seen = await screens(b);
    expect(seen.pos).toEqual(seen.server);

    await a.editOrder("o1", o1Lines(3, 1));
    await a.editOrder("o1", o1Lines(4, 5));
    expect(await b.miss()).toBe(2);

    // The next broadcast only adds line 3: lines 1 and 2 are unchanged in it, so not flagged.
    await a.editOrder("o1", o1Lines(4, 5, 1));
    const [next] = await b.receive(1);
    expect(next!.data.lines.map(([, , values]: [number, number, Record<string, unknown>]) => values.is_changed)).toEqual([undefined, undefined, undefined]);
    expect(b.gaps).toBe(1);
    // What the original leaves: lines 1 and 2 stale until the snapshot arrives.
    expect(b.screen("o1")).toEqual([
      [5, 2],
      [6, 1],
      [7, 1],
    ]);

    const [snapshot] = await b.receive(1);
    expect(snapshot!.action).toBe("sync_all");
    const converged = await screens(b);
    expect(converged.pos).toEqual(converged.server);
    expect(b.screen("o1")).toEqual([
      [5, 4],
      [6, 5],
      [7, 1],
    ]);
    expect(b.messageId).toBe(snapshot!.data.message_ID);
  });

  test("ordinary broadcasts keep the update's own flags: only lines that changed carry is_changed", async () => {
    const { a, b } = await twoTerminals();
    await a.editOrder("o1", o1Lines(1, 1));
    await a.editOrder("o1", o1Lines(4, 1));
    const messages = await b.receive(2);
    expect(messages.map((m) => m.data.lines.map(([, , values]: [number, number, Record<string, unknown>]) => values.is_changed ?? false))).toEqual([
      [false, false],
      [true, false],
    ]);
    expect(b.gaps).toBe(0);
    const seen = await screens(b);
    expect(seen.pos).toEqual(seen.server);
  });
});
