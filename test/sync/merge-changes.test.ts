import { describe, expect, test } from "vitest";
import { mergeChanges, snapshotOf, type LaterRevision, type Snapshot } from "../../src/sync/merge-changes.ts";
import type { JsonObject } from "../../src/protocol/messages.ts";

/** The merge rule alone, on order data as the POS sends it. */
const line = (uid: string, id: number, product_id: number, qty: number, extra: JsonObject = {}): JsonObject => ({ uid, id, product_id, qty, ...extra });
const order = (lines: JsonObject[], fields: JsonObject = {}): Snapshot => snapshotOf({ uid: "o1", ...fields, lines: lines.map((values) => [0, 0, values]) })!;
const by = (snapshot: Snapshot, bySender = false): LaterRevision => ({ ...snapshot, bySender });
function mergedLines(result: ReturnType<typeof mergeChanges>): JsonObject[] {
  if (!("merged" in result)) throw new Error(`expected a merge, got ${JSON.stringify(result)}`);
  return (result.merged.lines as [0, 0, JsonObject][]).map(([, , values]) => values);
}

const base = order([line("a1", 1, 10, 1), line("a2", 2, 20, 1)]);

describe("merge rule", () => {
  test("a line that reappears under a new uid (the POS rebuilt the order) is matched by id + product_id", () => {
    const others = by(order([line("a1", 1, 10, 5), line("a2", 2, 20, 1)]));
    const mine = order([line("b1", 1, 10, 1), line("b2", 2, 20, 7)]);
    expect(mergedLines(mergeChanges(base, [others], mine))).toEqual([line("a1", 1, 10, 5), line("b2", 2, 20, 7)]);
  });

  test("a line the sender re-created under a new uid and changed still conflicts with the others' change to it", () => {
    const others = by(order([line("a1", 1, 10, 5), line("a2", 2, 20, 1)]));
    const mine = order([line("b1", 1, 10, 9), line("a2", 2, 20, 1)]);
    expect(mergeChanges(base, [others], mine)).toEqual({ refused: "conflict" });
  });

  test("new lines on both sides are both kept, even with the same line id and product", () => {
    const others = by(order([...base.lines, line("a3", 3, 30, 1)]));
    const mine = order([...base.lines, line("b3", 3, 30, 1)]);
    expect(mergedLines(mergeChanges(base, [others], mine)).map((values) => values.uid)).toEqual(["a1", "a2", "a3", "b3"]);
  });

  test("the sender's own revisions since R are not the others' change", () => {
    const own = by(order([line("a1", 1, 10, 4), line("a2", 2, 20, 1)]), true);
    const mine = order([line("a1", 1, 10, 6), line("a2", 2, 20, 1)]);
    expect(mergedLines(mergeChanges(base, [own], mine))).toEqual([line("a1", 1, 10, 6), line("a2", 2, 20, 1)]);
  });

  test("a line touched in any revision by another terminal conflicts, even if changed back later", () => {
    const changed = by(order([line("a1", 1, 10, 3), line("a2", 2, 20, 1)]));
    const back = by(order([line("a1", 1, 10, 1), line("a2", 2, 20, 1)]));
    const mine = order([line("a1", 1, 10, 1), line("a2", 2, 20, 2)]);
    expect(mergedLines(mergeChanges(base, [changed, back], mine))).toEqual([line("a1", 1, 10, 1), line("a2", 2, 20, 2)]);
    expect(mergeChanges(base, [changed, back], order([line("a1", 1, 10, 2), line("a2", 2, 20, 1)]))).toEqual({ refused: "conflict" });
  });

  test("a removal on one side and no change on the other: the line is gone", () => {
    const others = by(order([line("a2", 2, 20, 1)]));
    const mine = order([...base.lines, line("b3", 3, 30, 1)]);
    expect(mergedLines(mergeChanges(base, [others], mine)).map((values) => values.uid)).toEqual(["a2", "b3"]);
  });

  test("bookkeeping fields take the sender's values and never conflict; other fields follow the line rule", () => {
    const others = by(order(base.lines, { amount_total: 50, partner_id: 7, ms_info: { changed: 1 } }));
    const mine = order(base.lines, { amount_total: 20, note: "x", ms_info: { changed: 2 } });
    const result = mergeChanges(base, [others], mine);
    expect(result).toMatchObject({ merged: { amount_total: 20, partner_id: 7, note: "x", ms_info: { changed: 2 } } });
    expect(mergeChanges(base, [others], order(base.lines, { partner_id: 8 }))).toEqual({ refused: "conflict" });
  });

  test("the server's is_changed marks and the lines' ms_info are not changes", () => {
    const others = by(order([line("a1", 1, 10, 1, { is_changed: true, ms_info: { by: 1 } }), line("a2", 2, 20, 1)]));
    const mine = order([line("a1", 1, 10, 3), line("a2", 2, 20, 1)]);
    expect(mergedLines(mergeChanges(base, [others], mine))).toEqual([line("a1", 1, 10, 3), line("a2", 2, 20, 1)]);
  });
});
