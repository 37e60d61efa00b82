import { randomUUID } from "node:crypto";
import type { Bus } from "../bus/bus.ts";
import type { Order, RefusedEdit } from "../db/contracts/sync-state.ts";
import type { JsonObject } from "../protocol/messages.ts";
import { broadcast } from "./broadcast.ts";
import type { SyncContext, SyncMessage } from "./context.ts";
import { markEveryLineChanged } from "./line-changes.ts";
import { removeOrder } from "./remove-order.ts";
import { authorOf, recordRevision } from "./revision-history.ts";
import { updateOrder, type MergeSetting } from "./update-order.ts";

/**
 * The operator's repairs (docs/console.md, "Refused edits" and "Orders of ended runs"): each
 * runs in one transaction under the multi-session's lock, like a terminal's update, and its
 * broadcast reaches every terminal of the multi-session.
 */
export interface RecoveryOptions {
  merge: boolean;
  now: number;
}

/** The multi-session a repair runs in, and the refused edit (by id) or order (by uid) it repairs. */
export type SessionTarget = { dbname: string; multiSessionId: number };
export type EditTarget = SessionTarget & { id: number };
export type OrderTarget = SessionTarget & { uid: string };

export type RecoveryFailure = { status: 404 | 409; error: string };
export type Reapplied = { edit: RefusedEdit; uid: string; revision: number | null };
export type Restored = { uid: string; revision: number; runId: number; sequenceNumber: number };

/**
 * Re-applies a refused edit as a new revision on top of the order as it is now (what was typed
 * wins over the lines it conflicted with), with a fresh nonce. A refused uid collision becomes
 * an order of its own, under `<uid>-r<edit id>`.
 */
export function reapplyRefusedEdit(bus: Bus, target: EditTarget, options: RecoveryOptions): Promise<Reapplied | RecoveryFailure> {
  const { dbname, multiSessionId } = target;
  return inSession(bus, target, options, async (ctx) => {
    const edit = await openEdit(ctx, target.id);
    if ("error" in edit) return edit;
    const message = freshCopy(JSON.parse(edit.message) as SyncMessage);
    const uid = edit.reason === "uid_collision" ? `${edit.uid}-r${edit.id}` : edit.uid;
    const order = await ctx.tx.getOrder(dbname, multiSessionId, uid);
    if (order?.state === "deleted") return { status: 409, error: `Order ${uid} was removed since: nothing to re-apply it on` };
    if (order?.state === "unpaid") return { status: 409, error: `Order ${uid} belongs to an ended run: restore it first` };

    let revision: number | null;
    if (message.action === "remove_order") {
      if (!order) return { status: 409, error: `Order ${uid} is no longer on the server` };
      await removeOrder(ctx, message, { uid, revisionId: order.revisionId, orderData: undefined });
      revision = null;
    } else {
      message.data.uid = uid;
      message.data.revision_ID = order?.revisionId ?? 1;
      const reply = await updateOrder(
        ctx,
        message,
        {
          uid,
          revisionId: order?.revisionId ?? 1,
          nonce: message.data.nonce as string,
          sequenceNumber: typeof message.data.sequence_number === "number" ? message.data.sequence_number : undefined,
          runId: order?.runId ?? ctx.session.runId,
        },
        mergeSetting(options),
      );
      if (reply.action !== "update_revision_ID") return { status: 409, error: `Order ${uid} could not take the edit (${reply.action || "already applied"})` };
      revision = reply.revision_ID;
    }
    await ctx.tx.resolveRefusedEdit(edit.id, "reapplied", revision, ctx.now);
    return { edit: { ...edit, status: "reapplied", reappliedRevision: revision, resolvedAt: ctx.now }, uid, revision };
  });
}

export function dismissRefusedEdit(bus: Bus, target: EditTarget, options: RecoveryOptions): Promise<RefusedEdit | RecoveryFailure> {
  return inSession(bus, target, options, async (ctx) => {
    const edit = await openEdit(ctx, target.id);
    if ("error" in edit) return edit;
    await ctx.tx.resolveRefusedEdit(edit.id, "dismissed", null, ctx.now);
    return { ...edit, status: "dismissed", resolvedAt: ctx.now };
  });
}

/**
 * Brings an order left open when its run ended (state unpaid) into the current run: a draft
 * again, the next revision, a fresh sequence number (numbering restarted with the run), and
 * broadcast so every terminal shows it.
 */
export function restoreEndedRunOrder(bus: Bus, target: OrderTarget, options: RecoveryOptions): Promise<Restored | RecoveryFailure> {
  const { dbname, multiSessionId, uid } = target;
  return inSession(bus, target, options, async (ctx) => {
    const { tx, session } = ctx;
    const order = await tx.getOrder(dbname, multiSessionId, uid);
    if (!order) return { status: 404, error: `No order ${uid} in multi-session ${multiSessionId}` };
    if (order.state !== "unpaid") return { status: 409, error: `Order ${uid} is ${order.state}, not an open order of an ended run` };

    const sequenceNumber = session.orderId + 1;
    session.orderId = sequenceNumber;
    await tx.saveMultiSession(session);
    const message = freshCopy(JSON.parse(order.message) as SyncMessage);
    Object.assign(message.data, { revision_ID: order.revisionId + 1, run_ID: session.runId, sequence_number: sequenceNumber });
    markEveryLineChanged(message.data.lines);
    const saved: Order = {
      ...order,
      message: JSON.stringify(message),
      revisionId: order.revisionId + 1,
      runId: session.runId,
      nonce: message.data.nonce as string,
      state: "draft",
    };
    await tx.saveOrder(saved);
    if (options.merge) await recordRevision(ctx, saved, authorOf(message));
    broadcast(ctx, message);
    return { uid, revision: saved.revisionId, runId: session.runId, sequenceNumber };
  });
}

function inSession<T>(bus: Bus, { dbname, multiSessionId }: SessionTarget, options: RecoveryOptions, work: (ctx: SyncContext) => Promise<T>): Promise<T> {
  return bus.transaction(async (tx, outbox) => {
    const session = await tx.getOrCreateMultiSession(dbname, multiSessionId);
    // The operator acts for the server, not for a cashier: user 0.
    return work({ tx, outbox, dbname, userId: 0, session, now: options.now });
  });
}

async function openEdit(ctx: SyncContext, id: number): Promise<RefusedEdit | RecoveryFailure> {
  const edit = await ctx.tx.getRefusedEdit(ctx.dbname, ctx.session.multiSessionId, id);
  if (!edit) return { status: 404, error: `No refused edit ${id} in multi-session ${ctx.session.multiSessionId}` };
  if (edit.status !== "open") return { status: 409, error: `Refused edit ${id} was ${edit.status} already` };
  return edit;
}

/**
 * A copy that every terminal applies: the POS drops bus messages carrying its own session_id
 * and login_number, so the terminal whose edit this was would not see it come back; a fresh
 * nonce, and marked as known to the server (the POS's order_on_server).
 */
function freshCopy(message: SyncMessage): SyncMessage {
  const data: JsonObject = { ...message.data, nonce: `operator-${randomUUID()}`, order_on_server: true };
  delete data.session_id;
  delete data.login_number;
  delete data.message_ID;
  return { ...message, session_id: null, login_number: null, data };
}

function mergeSetting(options: RecoveryOptions): MergeSetting | undefined {
  return options.merge ? { onOutcome: () => undefined } : undefined;
}
