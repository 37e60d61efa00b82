import { expect, test } from "vitest";
import { Backoff, channelNameOf, fullChannelName, localStorageAdapter, MessageSequence } from "../../src/client/index.ts";

test("channels are built exactly as the POS builds them", () => {
  expect(fullChannelName("shop1", "pos.multi_session", 7)).toBe('["shop1","pos.multi_session","7"]');
  expect(channelNameOf('["shop1","pos.longpolling","7"]')).toBe("pos.longpolling");
  expect(channelNameOf("not json")).toBeUndefined();
});

test("backoff doubles up to its cap, each delay keeping a random share", () => {
  const low = new Backoff({ initialMs: 100, maxMs: 1_000, jitter: 0.5, random: () => 0 });
  expect(Array.from({ length: 6 }, () => low.next())).toEqual([50, 100, 200, 400, 500, 500]);
  const high = new Backoff({ initialMs: 100, maxMs: 1_000, jitter: 0.5, random: () => 0.999999 });
  expect(Array.from({ length: 6 }, () => high.next())).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  high.reset();
  expect(high.next()).toBe(100);
});

test("the localStorage adapter ignores what is not a cursor", () => {
  const values = new Map<string, string>([
    ["bad", "x1"],
    ["negative", "-3"],
  ]);
  const storage = localStorageAdapter({ getItem: (k) => values.get(k) ?? null, setItem: (k, v) => void values.set(k, v) });
  expect(storage.get("bad")).toBeUndefined();
  expect(storage.get("negative")).toBeUndefined();
  expect(storage.get("missing")).toBeUndefined();
  storage.set("ok", 42);
  expect(storage.get("ok")).toBe(42);
});

test("message_IDs: the next one advances, older ones were seen, a skipped one is a gap; single-order syncs spend one", () => {
  const sequence = new MessageSequence();
  expect(sequence.current).toBeUndefined();
  sequence.coveredUpTo(5); // a full sync_all stamped 5
  expect(sequence.check(4)).toBe("seen");
  expect(sequence.check(6)).toBe("next");
  sequence.spend(8); // a sync_all for one order took 8 while 7 was still on the bus
  expect(sequence.check(7)).toBe("next");
  expect(sequence.current).toBe(8);
  expect(sequence.check(9)).toBe("next");
  expect(sequence.check(11)).toBe("gap");
  expect(sequence.current).toBe(9);
});
