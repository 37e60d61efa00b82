import type { Order } from "../db/contracts/sync-state.ts";
import type { SyncContext, SyncMessage } from "./context.ts";
import type { Json } from "../protocol/messages.ts";

/** Revisions kept per order: a stale update older than this is refused as before. */
export const REVISION_HISTORY = 32;

/** The terminal that sent an update: the POS's session_id + login_number, and its pos_id. */
export interface Author {
  sessionId: number | null;
  loginNumber: number | null;
  posId: number | null;
}

export function authorOf(message: SyncMessage): Author {
  return { sessionId: integerOrNull(message.session_id), loginNumber: integerOrNull(message.login_number), posId: integerOrNull(message.data.pos_id) };
}

/** As the POS tells its own messages apart: same session_id and login_number. */
export function sameTerminal(a: Author, b: Author): boolean {
  return a.sessionId !== null && a.loginNumber !== null && a.sessionId === b.sessionId && a.loginNumber === b.loginNumber;
}

/** Stores the order's revision as just saved, with the terminal that wrote it. */
export async function recordRevision(ctx: SyncContext, order: Order, author: Author): Promise<void> {
  const { dbname, multiSessionId, uid, revisionId, message, nonce } = order;
  await ctx.tx.saveRevision({ dbname, multiSessionId, uid, revisionId, message, nonce, ...author }, REVISION_HISTORY);
}

function integerOrNull(value: Json | undefined): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
}
