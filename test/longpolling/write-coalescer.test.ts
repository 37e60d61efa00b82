import { expect, test } from "vitest";
import { WriteCoalescer } from "../../src/longpolling/write-coalescer.ts";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

function counting() {
  const stream = { flushes: 0, flush: () => void stream.flushes++ };
  return stream;
}

test("a stream marked several times in one turn is flushed once, when the turn ends", async () => {
  const writes = new WriteCoalescer();
  const a = counting();
  const b = counting();
  writes.mark(a);
  writes.mark(b);
  writes.mark(a);
  expect(a.flushes).toBe(0);
  await nextTurn();
  expect([a.flushes, b.flushes]).toEqual([1, 1]);
});

test("a mark after the flush is flushed in its own turn", async () => {
  const writes = new WriteCoalescer();
  const a = counting();
  writes.mark(a);
  await nextTurn();
  writes.mark(a);
  await nextTurn();
  expect(a.flushes).toBe(2);
});
