import type { Order, OrderRevision } from "../db/contracts/sync-state.ts";
import { broadcast, sendStamped } from "./broadcast.ts";
import type { OrderUpdate, RevisionAccepted, SyncContext, SyncMessage } from "./context.ts";
import { markChangedLines } from "./line-changes.ts";
import { linesOf, sameLineContent } from "./line-diff.ts";
import { mergeChanges, snapshotOf, type LaterRevision, type Snapshot } from "./merge-changes.ts";
import type { MergeOutcome } from "./merge-outcomes.ts";
import type { JsonObject } from "../protocol/messages.ts";
import { authorOf, recordRevision, sameTerminal, type Author } from "./revision-history.ts";

export type MergeAttempt = { outcome: "merged"; reply: RevisionAccepted } | { outcome: Exclude<MergeOutcome, "merged"> };

/**
 * POS_SYNC_MERGE: a stale update_order (revision R < current N, not a retry, order not
 * deleted) merged with what other terminals changed since R, stored as revision N + 1.
 */
export async function mergeStaleUpdate(ctx: SyncContext, order: Order, message: SyncMessage, update: OrderUpdate): Promise<MergeAttempt> {
  const sender = authorOf(message);
  const history = await revisionsFrom(ctx, order, update.revisionId);
  if (!history) return { outcome: "unmergeable" };
  // A retry of an update applied before the latest one: merging it again would apply it twice.
  if (update.nonce !== undefined && history.slice(1).some((revision) => revision.nonce === update.nonce)) return { outcome: "unmergeable" };

  const [base, ...later] = history.map((revision) => snapshotOf(JSON.parse(revision.message).data ?? {}));
  const mine = snapshotOf(message.data);
  if (!base || !mine || later.some((revision) => !revision)) return { outcome: "unmergeable" };
  const laterRevisions: LaterRevision[] = later.map((revision, i) => ({ ...revision!, bySender: sameTerminal(sender, history[i + 1]!) }));

  const result = mergeChanges(base, laterRevisions, mine);
  if ("refused" in result) return { outcome: result.refused };

  const current = laterRevisions.at(-1)!;
  const revisionId = order.revisionId + 1;
  const merged: SyncMessage = { ...message, data: { ...result.merged, revision_ID: revisionId } };
  const forOthers = markedAgainst(merged, current);
  const saved: Order = { ...order, message: JSON.stringify(forOthers), revisionId, runId: update.runId ?? order.runId, nonce: update.nonce ?? null };
  await ctx.tx.saveOrder(saved);
  await recordRevision(ctx, saved, sender);
  broadcast(ctx, forOthers);
  sendToSender(ctx, unattributed(markedForSender(merged, mine, result.senderLines)), sender);
  return {
    outcome: "merged",
    // The sender's screen holds only its own edit until the copy below reaches it: answering
    // N + 1 would let its next edit pass as current and drop the others' lines, so the sender
    // keeps R (the POS takes a reply's revision only if higher) and the copy moves it to N + 1.
    reply: { action: "update_revision_ID", revision_ID: update.revisionId, uid: update.uid, order_ID: update.sequenceNumber, run_ID: saved.runId },
  };
}

/** Revisions R..N of the order, or undefined when any of them is no longer kept. */
async function revisionsFrom(ctx: SyncContext, order: Order, revisionId: number): Promise<OrderRevision[] | undefined> {
  const { tx, dbname, session } = ctx;
  if (revisionId < 1 || revisionId >= order.revisionId) return undefined;
  const base = await tx.getRevision(dbname, session.multiSessionId, order.uid, revisionId);
  if (!base) return undefined;
  const later = await tx.listRevisionsSince(dbname, session.multiSessionId, order.uid, revisionId);
  const complete = later.length === order.revisionId - revisionId && later.every((revision, i) => revision.revisionId === revisionId + 1 + i);
  return complete ? [base, ...later] : undefined;
}

/** A copy of `message` whose lines carry is_changed where they differ from `seen`'s. */
function markedAgainst(message: SyncMessage, seen: Snapshot): SyncMessage {
  const copy = structuredClone(message);
  markChangedLines(copy.data.lines, seen.data.lines);
  return copy;
}

/**
 * The sender's copy marks the lines whose content differs from what it sent (by content:
 * ms_info alone would mark lines nobody changed), and the lines it changed or added itself.
 * The copy may reach the POS after later edits and after older copies: an older copy can have
 * put back an old value of a line the sender changed since, and the copy of that later change
 * has to put it right again; the last copy leaves the screen as the server has it.
 */
function markedForSender(message: SyncMessage, sent: Snapshot, senderLines: ReadonlySet<string>): SyncMessage {
  const copy = structuredClone(message);
  const sentByUid = new Map(sent.lines.map((line) => [line.uid, line]));
  for (const line of linesOf(copy.data) ?? []) {
    const before = sentByUid.get(line.uid);
    if (senderLines.has(line.uid) || (before && !sameLineContent(before, line))) line.is_changed = true;
  }
  return copy;
}

/**
 * The POS drops bus messages whose session_id and login_number are its own (it looks at the
 * message, then at its data), so the sender's copy names neither.
 */
function unattributed(message: SyncMessage): SyncMessage {
  const data: JsonObject = { ...message.data };
  delete data.session_id;
  delete data.login_number;
  return { ...message, session_id: null, login_number: null, data };
}

/** One more message on the sender's channel (if it is in the multi-session), stamped with the next value of its counter. */
function sendToSender(ctx: SyncContext, message: SyncMessage, sender: Author): void {
  if (sender.posId !== null) sendStamped(ctx, message, sender.posId);
}
