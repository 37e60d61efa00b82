import { describe, expect, test } from "vitest";
import { Presence } from "../../src/console/presence.ts";
import { channel } from "../helpers/rpc.ts";
import { ManualClock } from "../helpers/wait.ts";

const orders = channel("shop1", "pos.multi_session", 3);
const pongs = channel("shop1", "pos.longpolling", 3);

describe("a terminal's state, as the console shows it", () => {
  test("online while it holds a poll, idle after a pause, offline after a poll timeout; its address is remembered", () => {
    const clock = new ManualClock();
    const presence = new Presence(clock, 50_000);
    expect(presence.of("shop1", 3).state).toBe("offline");

    presence.pollStarted([orders, pongs], "10.0.0.3");
    expect(presence.of("shop1", 3)).toMatchObject({ state: "online", heldPolls: 1, clientAddress: "10.0.0.3" });
    clock.advance(49_000);
    expect(presence.of("shop1", 3).state).toBe("online");
    presence.pollEnded([orders, pongs], []);
    expect(presence.of("shop1", 3)).toMatchObject({ state: "online", heldPolls: 0, lastPollAt: clock.now() });

    clock.advance(5_000);
    expect(presence.of("shop1", 3).state).toBe("idle");
    clock.advance(45_001);
    expect(presence.of("shop1", 3).state).toBe("offline");
    expect(presence.counts()).toEqual({ online: 0, known: 1 });
  });

  test("waiting from a PING until a poll hands over its PONG", () => {
    const clock = new ManualClock();
    const presence = new Presence(clock, 50_000);
    presence.pollStarted([orders], "10.0.0.3");
    clock.advance(10);
    presence.pinged("shop1", 3);
    expect(presence.of("shop1", 3).state).toBe("waiting");
    presence.pollEnded([orders], []);

    clock.advance(10);
    presence.pollStarted([orders, pongs], "10.0.0.3");
    presence.pollEnded([orders, pongs], [{ id: 1, channel: pongs }]);
    expect(presence.of("shop1", 3)).toMatchObject({ state: "online", lastPongAt: clock.now() });
  });

  test("channels that name no terminal are ignored", () => {
    const presence = new Presence(new ManualClock(), 1000);
    presence.pollStarted(["not a channel", '["bad name!","x","1"]'], "10.0.0.3");
    presence.pollEnded(["not a channel", '["bad name!","x","1"]'], []);
    expect(presence.counts().known).toBe(0);
  });
});
