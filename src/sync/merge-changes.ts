import { changedKeys, linesOf, matchLines, sameLineContent, type LineValues } from "./line-diff.ts";
import type { JsonObject } from "../protocol/messages.ts";

/**
 * Order fields that every update rewrites from the terminal's own state (totals follow the
 * lines, ms_info names whoever touched the order last): they never conflict, and the
 * sender's values are kept.
 */
export const BOOKKEEPING_FIELDS: ReadonlySet<string> = new Set([
  "lines",
  "uid",
  "name",
  "revision_ID",
  "nonce",
  "message_ID",
  "run_ID",
  "sequence_number",
  "pos_id",
  "pos_session_id",
  "session_id",
  "login_number",
  "user_id",
  "ms_info",
  "amount_paid",
  "amount_total",
  "amount_tax",
  "amount_return",
  "creation_date",
  "new_order",
  "order_on_server",
]);

/** An order's data at one revision, and who wrote that revision. */
export interface Snapshot {
  data: JsonObject;
  lines: LineValues[];
}

export interface LaterRevision extends Snapshot {
  bySender: boolean;
}

export type MergeResult =
  | {
      merged: JsonObject;
      /** uids of the lines the sender changed or added. */
      senderLines: Set<string>;
    }
  | { refused: "conflict" };

export function snapshotOf(data: JsonObject): Snapshot | undefined {
  const lines = linesOf(data);
  return lines && { data, lines };
}

/**
 * The merge rule. `base` is revision R the sender started from, `later` every revision after
 * it up to the current one, `mine` the sender's update. The sender's change is `mine` against
 * R; the others' change is every step R -> current not written by the sender. A line (or an
 * order field) changed, added or removed on both sides is a conflict, even when both made the
 * same change: two cashiers adding the same product each send qty 2, and keeping 2 loses one.
 */
export function mergeChanges(base: Snapshot, later: readonly LaterRevision[], mine: Snapshot): MergeResult {
  const others = othersChange(base, later);
  const sender = senderChange(base, mine);
  const conflict =
    [...sender.changed.keys(), ...sender.removed].some((line) => others.touchedLines.has(line)) ||
    sender.fields.some((field) => others.touchedFields.has(field));
  if (conflict) return { refused: "conflict" };

  const current = later.at(-1) ?? base;
  return {
    merged: { ...mergedFields(current.data, mine.data, sender.fields), lines: mergedLines(current.lines, others.lineage, sender).map((line) => [0, 0, line]) },
    senderLines: new Set([...sender.changed.values(), ...sender.added].map((line) => line.uid)),
  };
}

/**
 * Follows each line from R to the current revision (a line keeps its lineage, the index of its
 * line in R, across uid changes; a line added later gets a new number), and collects the lines
 * and fields that revisions by other terminals touched.
 */
function othersChange(base: Snapshot, later: readonly LaterRevision[]) {
  const touchedLines = new Set<number>();
  const touchedFields = new Set<string>();
  let previous: Snapshot = base;
  let lineage = base.lines.map((_, index) => index);
  let nextLineage = base.lines.length;
  for (const revision of later) {
    const matches = matchLines(previous.lines, revision.lines);
    const revisionLineage = matches.map((match) => (match === -1 ? nextLineage++ : lineage[match]!));
    if (!revision.bySender) {
      matches.forEach((match, i) => {
        if (match === -1 || !sameLineContent(previous.lines[match]!, revision.lines[i]!)) touchedLines.add(revisionLineage[i]!);
      });
      const kept = new Set(matches);
      previous.lines.forEach((_, j) => {
        if (!kept.has(j)) touchedLines.add(lineage[j]!);
      });
      for (const field of changedKeys(previous.data, revision.data, BOOKKEEPING_FIELDS)) touchedFields.add(field);
    }
    previous = revision;
    lineage = revisionLineage;
  }
  return { touchedLines, touchedFields, lineage };
}

interface SenderChange {
  /** Lineage (index in R) -> the sender's version of a line it changed. */
  changed: Map<number, LineValues>;
  removed: number[];
  added: LineValues[];
  fields: string[];
}

function senderChange(base: Snapshot, mine: Snapshot): SenderChange {
  const changed = new Map<number, LineValues>();
  const added: LineValues[] = [];
  const matches = matchLines(base.lines, mine.lines);
  matches.forEach((match, i) => {
    const line = mine.lines[i]!;
    if (match === -1) added.push(line);
    else if (!sameLineContent(base.lines[match]!, line)) changed.set(match, line);
  });
  const kept = new Set(matches);
  const removed = base.lines.map((_, index) => index).filter((index) => !kept.has(index));
  return { changed, removed, added, fields: changedKeys(base.data, mine.data, BOOKKEEPING_FIELDS) };
}

/**
 * The current lines with the sender's change applied: its versions of the lines it changed,
 * without those it removed, and its new lines at the end (in place when the current revision
 * already has them, written by an earlier update of its own).
 */
function mergedLines(current: readonly LineValues[], lineage: readonly number[], sender: SenderChange): LineValues[] {
  const removed = new Set(sender.removed);
  const added = new Map(sender.added.map((line) => [line.uid, line]));
  const lines: LineValues[] = [];
  current.forEach((line, i) => {
    const origin = lineage[i]!;
    if (removed.has(origin)) return;
    const own = added.get(line.uid);
    added.delete(line.uid);
    lines.push(withoutMark(sender.changed.get(origin) ?? own ?? line));
  });
  return [...lines, ...[...added.values()].map(withoutMark)];
}

/** The sender's order fields, except that fields it did not change keep their current value. */
function mergedFields(current: JsonObject, mine: JsonObject, senderFields: readonly string[]): JsonObject {
  const merged: JsonObject = { ...mine };
  const own = new Set(senderFields);
  for (const field of new Set([...Object.keys(current), ...Object.keys(mine)])) {
    if (BOOKKEEPING_FIELDS.has(field) || own.has(field)) continue;
    if (field in current) merged[field] = current[field]!;
    else delete merged[field];
  }
  return merged;
}

function withoutMark(line: LineValues): LineValues {
  const { is_changed: _mark, ...rest } = line;
  return rest as LineValues;
}
