import type { Order, RefusalReason } from "../db/contracts/sync-state.ts";
import { broadcast } from "./broadcast.ts";
import { revisionError, type OrderUpdate, type RevisionAccepted, type RevisionError, type SyncContext, type SyncMessage } from "./context.ts";
import { markChangedLines } from "./line-changes.ts";
import { mergeStaleUpdate } from "./merge-update.ts";
import type { MergeOutcome } from "./merge-outcomes.ts";
import { keepRefusedEdit } from "./refused-edits.ts";
import { authorOf, recordRevision } from "./revision-history.ts";
import { isUidCollision } from "./uid-collision.ts";

export type { OrderUpdate };

/** POS_SYNC_MERGE on: revisions are kept, and stale updates merged when they can be. */
export interface MergeSetting {
  onOutcome(outcome: MergeOutcome): void;
}

/** A retry of an update already applied: nothing changes, nothing is sent. */
const ALREADY_APPLIED = { action: "" } as const;

/** Step 2, update_order. */
export async function updateOrder(
  ctx: SyncContext,
  message: SyncMessage,
  update: OrderUpdate,
  merge?: MergeSetting,
): Promise<RevisionAccepted | RevisionError | typeof ALREADY_APPLIED> {
  const { tx, dbname, session } = ctx;
  const order = await tx.getOrder(dbname, session.multiSessionId, update.uid);

  // Before the revision check: a retried creation carries revision 1, which still matches.
  if (order && update.nonce !== undefined && update.nonce === order.nonce) return ALREADY_APPLIED;
  // Refused, not renamed: the POS knows its order by uid only, so it could not follow a new one (docs/console.md).
  if (order && isUidCollision(order, message, update)) return refuse(ctx, message, update.uid, order, "uid_collision");
  if (update.revisionId !== (order?.revisionId ?? 1)) {
    if (merge && order && order.state !== "deleted") {
      const attempt = await mergeStaleUpdate(ctx, order, message, update);
      merge.onOutcome(attempt.outcome);
      if (attempt.outcome === "merged") return attempt.reply;
    }
    return refuse(ctx, message, update.uid, order, "revision_error");
  }
  if (order?.state === "deleted") return refuse(ctx, message, update.uid, order, "revision_error");

  const saved = order ? await updateExistingOrder(ctx, order, message, update) : await storeNewOrder(ctx, message, update);
  message.data.revision_ID = saved.revisionId;
  if (merge) await recordRevision(ctx, saved, authorOf(message));
  broadcast(ctx, message);
  return {
    action: "update_revision_ID",
    revision_ID: saved.revisionId,
    uid: update.uid,
    ...orderIdOf(order ? update.sequenceNumber : (message.data.sequence_number as number)),
    run_ID: saved.runId,
  };
}

function orderIdOf(sequenceNumber: number | undefined): { order_ID?: number } {
  return sequenceNumber === undefined ? {} : { order_ID: sequenceNumber };
}

/** revision_error, with what was typed kept for the operator. */
export async function refuse(ctx: SyncContext, message: SyncMessage, uid: string, order: Order | undefined, reason: RefusalReason): Promise<RevisionError> {
  await keepRefusedEdit(ctx, message, uid, order, reason);
  return revisionError(uid, order?.state);
}

async function updateExistingOrder(ctx: SyncContext, order: Order, message: SyncMessage, update: OrderUpdate): Promise<Order> {
  const stored = JSON.parse(order.message) as SyncMessage;
  markChangedLines(message.data.lines, stored.data?.lines);
  const saved: Order = {
    ...order,
    message: JSON.stringify(message),
    revisionId: order.revisionId + 1,
    runId: update.runId ?? order.runId,
    nonce: update.nonce ?? null,
  };
  await ctx.tx.saveOrder(saved);
  return saved;
}

/** A new order takes the next sequence number of the multi-session, whatever the terminal guessed. */
export async function storeNewOrder(ctx: SyncContext, message: SyncMessage, update: OrderUpdate): Promise<Order> {
  const { tx, dbname, session } = ctx;
  const sequenceNumber = session.orderId + 1;
  if (update.sequenceNumber !== sequenceNumber) message.data.sequence_number = sequenceNumber;
  const saved: Order = {
    dbname,
    multiSessionId: session.multiSessionId,
    uid: update.uid,
    message: JSON.stringify(message),
    revisionId: 1,
    runId: update.runId ?? session.runId,
    nonce: update.nonce ?? null,
    state: "draft",
  };
  await tx.saveOrder(saved);
  session.orderId = sequenceNumber;
  await tx.saveMultiSession(session);
  return saved;
}
