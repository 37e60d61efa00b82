import { afterEach, describe, expect, test, vi } from "vitest";
import { Bus, type Clock } from "../../src/bus/bus.ts";
import { SqliteStore } from "../../src/db/sqlite/store.ts";

class ManualClock implements Clock {
  constructor(public time = 1_000_000) {}
  now(): number {
    return this.time;
  }
}

let store: SqliteStore | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await store?.close();
  store = undefined;
});

/** A bus over an in-memory store and a manual clock. */
async function openBus(pollTimeoutMs: number, clock = new ManualClock()) {
  store = new SqliteStore(":memory:");
  return { bus: await Bus.open(store, { pollTimeoutMs }, clock), clock };
}

describe("Bus.poll", () => {
  test("commits of one turn wake a held poll once, with all of them", async () => {
    const { bus } = await openBus(60_000);
    const wakes: number[][] = [];
    const polled = bus.poll(["a", "b"], 0).then((batch) => {
      wakes.push(batch.map((n) => n.id));
      return batch;
    });
    await new Promise((resolve) => setImmediate(resolve));
    await Promise.all([bus.send("a", 1), bus.send("b", 2), bus.send("c", 3)]);
    expect((await polled).map((n) => [n.id, n.channel])).toEqual([
      [1, "a"],
      [2, "b"],
    ]);
    expect(wakes).toHaveLength(1);
  });

  test("a re-poll that finds notifications waiting gets, in the same reply, those committed in the same turn", async () => {
    const { bus } = await openBus(60_000);
    await bus.send("a", 1);
    const sent = bus.send("a", 2);
    const repolled = bus.poll(["a"], 0);
    await sent;
    expect((await repolled).map((n) => n.id)).toEqual([1, 2]);
    expect(bus.heldPolls).toBe(0);
  });

  test("a held poll answers [] when its timeout passes", async () => {
    const { bus } = await openBus(50);
    const started = performance.now();
    expect(await bus.poll(["a"], 0)).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(bus.heldPolls).toBe(0);
  });

  test("a poll whose client goes away answers [] at once and leaves no listener", async () => {
    const { bus } = await openBus(60_000);
    let gone: (() => void) | undefined;
    const client = {
      onClientGone: (callback: () => void) => {
        gone = callback;
      },
      offClientGone: (callback: () => void) => {
        if (gone === callback) gone = undefined;
      },
    };
    const polled = bus.poll(["a"], 0, { client });
    await new Promise((resolve) => setImmediate(resolve));
    expect(bus.heldPolls).toBe(1);
    gone!();
    expect(await polled).toEqual([]);
    expect(bus.heldPolls).toBe(0);
    expect(gone).toBeUndefined();
  });

  test("close while a poll is still reading the store answers it without waiting for the timeout", async () => {
    const { bus } = await openBus(60_000);
    const polled = bus.poll(["a"], 0);
    bus.close();
    expect(await polled).toEqual([]);
    expect(await bus.poll(["a"], 0)).toEqual([]);
  });

  test("held polls share one timer for their deadlines; close answers every one and leaves no timer behind", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const { bus } = await openBus(60_000);
    const polls = Array.from({ length: 100 }, (_, i) => bus.poll([`c${i}`], 0));
    // Store reads are answered in order: once this one is, every poll above is held.
    await bus.poll(["other"], 0, { peek: true });
    expect(bus.heldPolls).toBe(100);
    expect(vi.getTimerCount()).toBe(1);
    bus.close();
    expect(await Promise.all(polls)).toEqual(polls.map(() => []));
    expect(bus.heldPolls).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("last=0 looks back one poll timeout on the bus's clock", async () => {
    const { bus, clock } = await openBus(1000);
    await bus.send("a", "old");
    clock.time += 600;
    await bus.send("a", "new");
    clock.time += 600;
    expect((await bus.poll(["a"], 0, { peek: true })).map((n) => n.message)).toEqual(['"new"']);
    expect((await bus.poll(["a"], 1, { peek: true })).map((n) => n.message)).toEqual(['"new"']);
  });
});
