import type { Json, JsonObject } from "../protocol/messages.ts";

/** Keys that differ between terminals without the line having changed. */
const IGNORED_KEYS = new Set(["id", "is_changed"]);

/**
 * Marks `is_changed: true` on every incoming line whose uid is in the stored order with
 * different content. Lines are Odoo's [0, 0, {uid, ...}] triples; anything else is left alone.
 */
export function markChangedLines(incomingLines: Json | undefined, storedLines: Json | undefined): void {
  if (!Array.isArray(incomingLines) || !Array.isArray(storedLines)) return;
  const storedByUid = new Map<Json, JsonObject>();
  for (const line of storedLines) {
    const values = lineValues(line);
    if (values && values.uid !== undefined) storedByUid.set(values.uid, values);
  }
  for (const line of incomingLines) {
    const values = lineValues(line);
    if (!values || values.uid === undefined) continue;
    const stored = storedByUid.get(values.uid);
    if (stored && !sameLine(values, stored)) values.is_changed = true;
  }
}

/**
 * Marks every line `is_changed: true`, for a sync_all snapshot. Fix: the POS re-applies an
 * existing line only when it carries the flag, so a snapshot that kept the last update's flags
 * left lines changed only in messages the terminal missed at their stale values.
 */
export function markEveryLineChanged(lines: Json | undefined): void {
  if (!Array.isArray(lines)) return;
  for (const line of lines) {
    const values = lineValues(line);
    if (values && values.uid !== undefined) values.is_changed = true;
  }
}

function lineValues(line: Json): JsonObject | undefined {
  if (!Array.isArray(line)) return undefined;
  const values = line[2];
  return values !== null && typeof values === "object" && !Array.isArray(values) ? values : undefined;
}

function sameLine(a: JsonObject, b: JsonObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (IGNORED_KEYS.has(key)) continue;
    if (!(key in a) || !(key in b) || !deepEqual(a[key]!, b[key]!)) return false;
  }
  return true;
}

export function deepEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]!));
  const objA = a as JsonObject;
  const objB = b as JsonObject;
  const keysA = Object.keys(objA);
  if (keysA.length !== Object.keys(objB).length) return false;
  return keysA.every((key) => key in objB && deepEqual(objA[key]!, objB[key]!));
}
