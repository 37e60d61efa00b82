import { describe, expect, test } from "vitest";
import type { Notification } from "../../src/db/contracts/notification-log.ts";
import { Dispatcher } from "../../src/bus/dispatcher.ts";

/** A listener that notes the ids of each batch it gets. */
function listener() {
  const batches: number[][] = [];
  return { batches, published: (batch: Notification[]) => void batches.push(batch.map((n) => n.id)) };
}

const note = (id: number, channel: string): Notification => ({ id, channel, message: "1" });

describe("the dispatcher", () => {
  test("two polls on one channel both get its notifications; once one leaves, the other still does", () => {
    const dispatcher = new Dispatcher();
    const first = listener();
    const second = listener();
    dispatcher.subscribe(["a"], first);
    dispatcher.subscribe(["a", "b"], second);
    dispatcher.publish([note(1, "a")]);
    dispatcher.unsubscribe(["a"], first);
    dispatcher.publish([note(2, "a")]);
    expect(first.batches).toEqual([[1]]);
    expect(second.batches).toEqual([[1], [2]]);
    dispatcher.unsubscribe(["a", "b"], second);
    dispatcher.publish([note(3, "a"), note(4, "b")]);
    expect(second.batches).toEqual([[1], [2]]);
    expect(dispatcher.listenerCount).toBe(0);
  });

  test("a batch reaches each poll once, with its own notifications in id order, also for a channel named twice", () => {
    const dispatcher = new Dispatcher();
    const only = listener();
    const both = listener();
    dispatcher.subscribe(["a", "a"], only);
    dispatcher.subscribe(["a", "b"], both);
    dispatcher.publish([note(1, "a"), note(2, "b"), note(3, "c"), note(4, "a")]);
    expect(only.batches).toEqual([[1, 4]]);
    expect(both.batches).toEqual([[1, 2, 4]]);
    dispatcher.unsubscribe(["a", "a"], only);
    dispatcher.publish([note(5, "a")]);
    expect(only.batches).toEqual([[1, 4]]);
    expect(both.batches).toEqual([[1, 2, 4], [5]]);
  });

  test("releaseAll wakes every poll with nothing", () => {
    const dispatcher = new Dispatcher();
    const polls = [listener(), listener()];
    dispatcher.subscribe(["a"], polls[0]!);
    dispatcher.subscribe(["a"], polls[1]!);
    dispatcher.releaseAll();
    expect(polls.map((poll) => poll.batches)).toEqual([[[]], [[]]]);
  });
});
