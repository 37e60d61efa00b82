import { describe, expect, test } from "vitest";
import { ChannelIndex } from "../../src/db/sqlite/channel-index.ts";

describe("the in-memory index of notification ids by channel", () => {
  test("ids of several channels come merged in ascending order, within (after, upTo], a channel named twice once", () => {
    const index = new ChannelIndex();
    for (let id = 1; id <= 30; id++) index.add(id % 3 === 0 ? "a" : id % 3 === 1 ? "b" : "c", id);
    expect(index.idsBetween(["b", "a", "a"], 10, 20)).toEqual([12, 13, 15, 16, 18, 19]);
    expect(index.idsBetween(["unknown"], 0, 30)).toEqual([]);
    expect(index.idsBetween(["a"], 30, 40)).toEqual([]);
  });

  test("GC forgets every id up to the deleted one, empties channels, and what stays is still found after compaction", () => {
    const index = new ChannelIndex();
    for (let id = 1; id <= 1000; id++) index.add(id <= 10 ? "early" : "busy", id);
    index.forgetUpTo(900);
    expect(index.size).toBe(100);
    expect(index.idsBetween(["early"], 0, 1000)).toEqual([]);
    index.add("busy", 1001);
    expect(index.idsBetween(["busy", "early"], 995, 2000)).toEqual([996, 997, 998, 999, 1000, 1001]);
    index.forgetUpTo(2000);
    expect(index.size).toBe(0);
  });
});
