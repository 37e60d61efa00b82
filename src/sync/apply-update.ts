import type { Bus } from "../bus/bus.ts";
import { parseOrThrow } from "../validation.ts";
import { broadcast } from "./broadcast.ts";
import type { SyncContext, SyncMessage } from "./context.ts";
import { removeOrderDataSchema, runIdSchema, syncAllSchema, updateOrderDataSchema, type UpdateRequest } from "../protocol/messages.ts";
import type { MergeOutcome } from "./merge-outcomes.ts";
import { startNewRunIfNewer } from "./new-run.ts";
import { removeOrder } from "./remove-order.ts";
import { syncAll } from "./sync-all.ts";
import { updateOrder, type MergeSetting } from "./update-order.ts";

export interface ApplyOptions {
  /** POS_SYNC_MERGE: merge stale update_order messages with concurrent changes when they can be. */
  merge?: boolean;
  /** Epoch ms of the request; Date.now() when absent. */
  now?: number;
}

/** What an update did: its reply, and with POS_SYNC_MERGE on, what became of a stale update_order. */
export interface Applied {
  result: unknown;
  merge: MergeOutcome | undefined;
}

/**
 * /pos_multi_session_sync/update: docs/protocol.md, "Multi-session order sync", in one transaction.
 * Notifications reach pollers only after the commit.
 */
export async function applyUpdate(bus: Bus, request: UpdateRequest, options: ApplyOptions = {}): Promise<Applied> {
  const message = { ...request.message, data: request.message.data ?? {} } as SyncMessage;
  let mergeOutcome: MergeOutcome | undefined;
  const merge: MergeSetting | undefined = options.merge ? { onOutcome: (outcome) => (mergeOutcome = outcome) } : undefined;
  const rule = ruleFor(message, merge);
  const runId = parseOrThrow(runIdSchema, message.data.run_ID, "message.data.run_ID");
  const result = await bus.transaction(async (tx, outbox) => {
    const session = await tx.getOrCreateMultiSession(request.dbname, request.multi_session_id);
    const ctx: SyncContext = { tx, outbox, dbname: request.dbname, userId: request.user_ID, session, now: options.now ?? Date.now() };
    await startNewRunIfNewer(ctx, runId);
    return rule(ctx);
  });
  // Known only once committed, so a rolled-back request tells nothing.
  return { result, merge: mergeOutcome };
}

/** Checks the fields the action's rule reads before anything is written. */
function ruleFor(message: SyncMessage, merge: MergeSetting | undefined): (ctx: SyncContext) => Promise<unknown> {
  switch (message.action) {
    case "update_order": {
      const data = parseOrThrow(updateOrderDataSchema, message.data, "message.data");
      const update = {
        uid: data.uid,
        revisionId: data.revision_ID,
        nonce: data.nonce,
        sequenceNumber: data.sequence_number,
        runId: data.run_ID,
      };
      return (ctx) => updateOrder(ctx, message, update, merge);
    }
    case "sync_all": {
      const request = parseOrThrow(syncAllSchema, message, "message");
      return (ctx) =>
        syncAll(ctx, {
          posId: request.data.pos_id,
          runId: request.data.run_ID,
          uid: request.uid ?? undefined,
          immediateRerendering: Boolean(request.immediate_rerendering),
          loginNumber: message.login_number,
          sessionId: message.session_id,
        });
    }
    case "remove_order": {
      const data = parseOrThrow(removeOrderDataSchema, message.data, "message.data");
      return (ctx) => removeOrder(ctx, message, { uid: data.uid, revisionId: data.revision_ID, orderData: data.order_data ?? undefined });
    }
    default:
      return (ctx) => {
        broadcast(ctx, message);
        return Promise.resolve(1);
      };
  }
}
