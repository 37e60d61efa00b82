import type { Order, RefusalReason } from "../db/contracts/sync-state.ts";
import type { Json } from "../protocol/messages.ts";
import type { SyncContext, SyncMessage } from "./context.ts";

/** A multi-session keeps its newest this many refused edits, and every one of the current day. */
export const REFUSED_EDITS_KEPT = 200;

/**
 * Keeps a refused update with everything the cashier typed (docs/console.md, "Nothing typed is
 * lost"): the original's POS replaces its copy with the server's after
 * a revision_error, so without this row the edit existed nowhere. Written in the request's own
 * transaction: a refused update changes no order and sends nothing, so this row is its only write.
 */
export async function keepRefusedEdit(ctx: SyncContext, message: SyncMessage, uid: string, order: Order | undefined, reason: RefusalReason): Promise<void> {
  const { tx, dbname, userId, session, now } = ctx;
  await tx.saveRefusedEdit(
    {
      dbname,
      multiSessionId: session.multiSessionId,
      uid,
      action: message.action,
      reason,
      message: JSON.stringify(message),
      posId: integerOrNull(message.data.pos_id),
      sessionId: integerOrNull(message.session_id),
      loginNumber: integerOrNull(message.login_number),
      userId,
      at: now,
      typedRevision: integerOrNull(message.data.revision_ID),
      serverRevision: order?.revisionId ?? null,
      serverState: order?.state ?? null,
    },
    { keep: REFUSED_EDITS_KEPT, keepSince: startOfDay(now) },
  );
}

/** Midnight of `now`'s day in the server's time zone. */
export function startOfDay(now: number): number {
  return new Date(now).setHours(0, 0, 0, 0);
}

function integerOrNull(value: Json | undefined): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
}
