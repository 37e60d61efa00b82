import { describe, expect, test } from "vitest";
import { lagOf, mergeEntries, Presence, type PresenceEntry, unseenEntry } from "../../src/console/presence.ts";
import { Unacknowledged } from "../../src/console/unacknowledged.ts";
import { channel } from "../helpers/rpc.ts";
import { ManualClock } from "../helpers/wait.ts";

const orders = (posId: number) => channel("shop1", "pos.multi_session", posId);
const pongs = (posId: number) => channel("shop1", "pos.longpolling", posId);
const terminal = (posId: number) => [orders(posId), pongs(posId)];

describe("the notifications a terminal has not acknowledged", () => {
  test("a poll's cursor acknowledges every id up to it; the oldest left gives the time", () => {
    const unacked = new Unacknowledged();
    for (const [id, at] of [
      [3, 100],
      [5, 200],
      [9, 300],
    ] as const)
      unacked.add(id, at);
    expect([unacked.count, unacked.since]).toEqual([3, 100]);
    unacked.acknowledge(5);
    expect([unacked.acked, unacked.count, unacked.since]).toEqual([5, 1, 300]);
    expect(unacked.add(4, 400)).toBe(false);
    unacked.acknowledge(9);
    expect([unacked.count, unacked.since]).toEqual([0, undefined]);
  });

  test("out of order, an id is put in place once; a lower cursor changes nothing", () => {
    const unacked = new Unacknowledged();
    unacked.add(10, 100);
    expect(unacked.add(7, 150)).toBe(true);
    expect(unacked.add(7, 160)).toBe(false);
    expect(unacked.add(10, 170)).toBe(false);
    expect(unacked.acknowledge(0)).toBe(false);
    unacked.acknowledge(7);
    expect([unacked.count, unacked.since]).toEqual([1, 100]);
  });

  test("however many it misses, memory stays bounded and the count exact until it polls again", () => {
    const unacked = new Unacknowledged();
    for (let id = 1; id <= 10_000; id++) unacked.add(id, 1000 + id);
    expect([unacked.count, unacked.since]).toEqual([10_000, 1001]);
    expect((unacked as unknown as { runs: unknown[] }).runs.length).toBeLessThanOrEqual(64);
    unacked.acknowledge(10_000);
    expect(unacked.count).toBe(0);
  });

  test("a cursor of 0 (the page loaded again) starts over: older ones will never be sent to it", () => {
    const unacked = new Unacknowledged();
    unacked.add(1, 100);
    unacked.add(2, 100);
    unacked.startOver();
    expect([unacked.count, unacked.since]).toEqual([0, undefined]);
    expect(unacked.add(3, 200)).toBe(true);
  });
});

describe("who is behind, as one node sees it", () => {
  test("a terminal that stops polling while notifications come is behind once the oldest is older than the setting", () => {
    const clock = new ManualClock();
    const presence = new Presence(clock, 50_000, 10_000);
    presence.pollStarted(terminal(3), "10.0.0.3", 4);
    presence.published([{ id: 5, channel: orders(3) }]);
    presence.pollEnded(terminal(3), [{ id: 5, channel: orders(3) }]);
    expect(presence.of("shop1", 3)).toMatchObject({ deliveredId: 5, acknowledgedId: 4, unacknowledged: 1, unacknowledgedSince: clock.now(), behind: false });

    // It never polls again; more come for it (and for another terminal, which is not its business).
    clock.advance(4000);
    presence.published([
      { id: 6, channel: orders(4) },
      { id: 7, channel: orders(3) },
    ]);
    clock.advance(6000);
    expect(presence.of("shop1", 3)).toMatchObject({ unacknowledged: 2, behind: false });
    clock.advance(1);
    expect(presence.of("shop1", 3)).toMatchObject({ deliveredId: 5, unacknowledged: 2, behind: true });
    expect(presence.lag()).toEqual({ behind: 1, oldestUnacknowledgedMs: 10_001 });

    // It polls again with what it had: everything is sent, then acknowledged by the next poll.
    presence.pollStarted(terminal(3), "10.0.0.3", 5);
    presence.pollEnded(terminal(3), [{ id: 7, channel: orders(3) }]);
    expect(presence.of("shop1", 3)).toMatchObject({ deliveredId: 7, acknowledgedId: 5, unacknowledged: 1, behind: false });
    presence.pollStarted(terminal(3), "10.0.0.3", 7);
    expect(presence.of("shop1", 3)).toMatchObject({ acknowledgedId: 7, unacknowledged: 0, unacknowledgedSince: null, behind: false });
    expect(presence.lag()).toEqual({ behind: 0, oldestUnacknowledgedMs: 0 });
  });

  test("an event stream acknowledges what it writes: it has no cursor to send back", () => {
    const clock = new ManualClock();
    const presence = new Presence(clock, 50_000, 1000);
    presence.pollStarted(terminal(3), "10.0.0.3", 0);
    presence.published([{ id: 1, channel: orders(3) }]);
    presence.streamed(terminal(3), [{ id: 1, channel: orders(3) }]);
    clock.advance(5000);
    expect(presence.of("shop1", 3)).toMatchObject({ deliveredId: 1, acknowledgedId: 1, unacknowledged: 0, behind: false });
  });

  test("a terminal gone for more than an hour is no longer counted behind", () => {
    const clock = new ManualClock();
    const presence = new Presence(clock, 50_000, 10_000);
    presence.pollStarted(terminal(3), "10.0.0.3", 1);
    presence.pollEnded(terminal(3), []);
    presence.published([{ id: 2, channel: orders(3) }]);
    clock.advance(20_000);
    expect(presence.lag().behind).toBe(1);
    clock.advance(3600_000);
    expect(presence.of("shop1", 3)).toMatchObject({ unacknowledged: 1, behind: false });
    expect(presence.lag()).toEqual({ behind: 0, oldestUnacknowledgedMs: 0 });
  });
});

describe("who is behind, several nodes' views merged", () => {
  const entry = (fields: Partial<PresenceEntry>): PresenceEntry => ({ ...unseenEntry(), lastPollAt: 1000, ...fields });

  test("a node the terminal left keeps counting from its old cursor; the node with the newest cursor is believed", () => {
    const left = entry({ deliveredId: 50, acknowledgedId: 50, unacknowledged: 30, unacknowledgedSince: 100 });
    const polled = entry({ deliveredId: 90, acknowledgedId: 90, unacknowledged: 0 });
    expect(mergeEntries([left, polled])).toMatchObject({ deliveredId: 90, acknowledgedId: 90, unacknowledged: 0, unacknowledgedSince: undefined });
  });

  test("nodes that saw the same cursor: the larger count and the older time", () => {
    const merged = mergeEntries([
      entry({ acknowledgedId: 50, unacknowledged: 2, unacknowledgedSince: 300 }),
      entry({ acknowledgedId: 50, unacknowledged: 3, unacknowledgedSince: 200 }),
    ])!;
    expect(merged).toMatchObject({ unacknowledged: 3, unacknowledgedSince: 200 });
    expect(lagOf([merged], 20_000, 10_000)).toEqual({ behind: 1, oldestUnacknowledgedMs: 19_800 });
  });
});
