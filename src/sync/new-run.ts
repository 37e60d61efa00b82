import type { SyncContext } from "./context.ts";

/**
 * Step 1, new run: a message from a run newer than the stored one starts that run. Draft
 * orders of older runs become unpaid and order numbering starts again.
 */
export async function startNewRunIfNewer(ctx: SyncContext, runId: number | undefined): Promise<void> {
  const { tx, dbname, session } = ctx;
  if (runId === undefined || runId <= session.runId) return;
  session.runId = runId;
  session.orderId = 0;
  await tx.markOlderDraftsUnpaid(dbname, session.multiSessionId, runId);
  await tx.saveMultiSession(session);
}
