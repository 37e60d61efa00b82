import { describe, expect, test } from "vitest";
import { Presence } from "../../src/console/presence.ts";
import { channel } from "../helpers/rpc.ts";
import { ManualClock } from "../helpers/wait.ts";

const orders = channel("shop1", "pos.multi_session", 3);
const pongs = channel("shop1", "pos.longpolling", 3);

/** A poll the test answers by hand. */
function heldPoll() {
  let answer!: (notifications: { channel: string }[]) => void;
  const promise = new Promise<{ channel: string }[]>((resolve) => (answer = resolve));
  return { promise, answer };
}

describe("a terminal's state, as the console shows it", () => {
  test("online while it holds a poll, idle after a pause, offline after a poll timeout; its address is remembered", async () => {
    const clock = new ManualClock();
    const presence = new Presence(clock, 50_000);
    expect(presence.of("shop1", 3).state).toBe("offline");

    const poll = heldPoll();
    const watched = presence.watchPoll([orders, pongs], "10.0.0.3", poll.promise);
    expect(presence.of("shop1", 3)).toMatchObject({ state: "online", heldPolls: 1, clientAddress: "10.0.0.3" });
    clock.advance(49_000);
    expect(presence.of("shop1", 3).state).toBe("online");
    poll.answer([]);
    await watched;
    expect(presence.of("shop1", 3)).toMatchObject({ state: "online", heldPolls: 0, lastPollAt: clock.now() });

    clock.advance(5_000);
    expect(presence.of("shop1", 3).state).toBe("idle");
    clock.advance(45_001);
    expect(presence.of("shop1", 3).state).toBe("offline");
    expect(presence.counts()).toEqual({ online: 0, known: 1 });
  });

  test("waiting from a PING until a poll hands over its PONG", async () => {
    const clock = new ManualClock();
    const presence = new Presence(clock, 50_000);
    const first = heldPoll();
    const polling = presence.watchPoll([orders], "10.0.0.3", first.promise);
    clock.advance(10);
    presence.pinged("shop1", 3);
    expect(presence.of("shop1", 3).state).toBe("waiting");
    first.answer([]);
    await polling;

    clock.advance(10);
    const second = heldPoll();
    const answered = presence.watchPoll([orders, pongs], "10.0.0.3", second.promise);
    second.answer([{ channel: pongs }]);
    await answered;
    expect(presence.of("shop1", 3)).toMatchObject({ state: "online", lastPongAt: clock.now() });
  });

  test("channels that name no terminal are ignored", async () => {
    const presence = new Presence(new ManualClock(), 1000);
    await presence.watchPoll(["not a channel", '["bad name!","x","1"]'], "10.0.0.3", Promise.resolve([]));
    expect(presence.counts().known).toBe(0);
  });
});
