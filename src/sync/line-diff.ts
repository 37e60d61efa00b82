import { deepEqual } from "./line-changes.ts";
import type { Json, JsonObject } from "../protocol/messages.ts";

/** The values of one order line, Odoo's [0, 0, {uid, ...}] triple. */
export type LineValues = JsonObject & { uid: string };

/**
 * Keys that differ without a cashier having changed the line: ids and uids are per terminal,
 * is_changed is the server's own mark, ms_info records who touched the line last.
 */
const LINE_METADATA = new Set(["id", "uid", "is_changed", "ms_info"]);

/** The lines of an order's data, or undefined when one is not a [0, 0, {uid, ...}] triple. */
export function linesOf(data: JsonObject): LineValues[] | undefined {
  const lines = data.lines ?? [];
  if (!Array.isArray(lines)) return undefined;
  const values: LineValues[] = [];
  for (const line of lines) {
    const value = Array.isArray(line) ? line[2] : undefined;
    if (value === null || typeof value !== "object" || Array.isArray(value) || typeof value.uid !== "string") return undefined;
    values.push(value as LineValues);
  }
  return values;
}

/**
 * For each line of `after`, the index of the line of `before` it continues, or -1 for a new
 * line: the same uid, else the same `id` and `product_id` (a POS that rebuilds an order from
 * JSON gives every line a new uid but keeps its id).
 */
export function matchLines(before: readonly LineValues[], after: readonly LineValues[]): number[] {
  const byUid = new Map(before.map((line, index) => [line.uid, index]));
  const taken = new Set<number>();
  const matches = after.map((line) => {
    const index = byUid.get(line.uid);
    if (index === undefined || taken.has(index)) return -1;
    taken.add(index);
    return index;
  });
  return matches.map((match, i) => {
    if (match !== -1) return match;
    const line = after[i]!;
    if (line.id === undefined || line.product_id === undefined) return -1;
    const index = before.findIndex((candidate, j) => !taken.has(j) && deepEqual(candidate.id!, line.id!) && deepEqual(candidate.product_id!, line.product_id!));
    if (index !== -1) taken.add(index);
    return index;
  });
}

/** Whether a cashier changed the line: every key but the metadata ones compared. */
export function sameLineContent(a: JsonObject, b: JsonObject): boolean {
  return sameExcept(a, b, LINE_METADATA);
}

/** The keys of `a` and `b` outside `ignored` whose values differ (a missing key differs from any value). */
export function changedKeys(a: JsonObject, b: JsonObject, ignored: ReadonlySet<string>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => !ignored.has(key) && !sameValue(a[key], b[key]));
}

function sameExcept(a: JsonObject, b: JsonObject, ignored: ReadonlySet<string>): boolean {
  return changedKeys(a, b, ignored).length === 0;
}

function sameValue(a: Json | undefined, b: Json | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return deepEqual(a, b);
}
