import { randomBytes } from "node:crypto";
import type { SyncContext, SyncMessage } from "./context.ts";

/**
 * broadcastMessage: every terminal of the multi-session, the sender's own included, gets its
 * own copy stamped with its next message_ID. Fix: the original mutated one shared object.
 * The store counts the message ids up as it stores the copies, at the commit.
 */
export function broadcast(ctx: SyncContext, message: SyncMessage): void {
  sendStamped(ctx, message);
}

/** `message` to terminal `posId` of the multi-session (nothing if it is not in it), or to all of them. */
export function sendStamped(ctx: SyncContext, message: SyncMessage, posId?: number): void {
  const { outbox, dbname, session } = ctx;
  outbox.sendToSession({ dbname, multiSessionId: session.multiSessionId, ...(posId === undefined ? {} : { posId }), ...stampedJsonParts(message) });
}

/** Stands for data.message_ID while the message is serialised; no client can guess it. */
const MESSAGE_ID_MARK = `pos-sync message_ID ${randomBytes(12).toString("hex")}`;
const MESSAGE_ID_MARK_JSON = JSON.stringify(MESSAGE_ID_MARK);

/**
 * `message` as JSON text around its data.message_ID, `before + messageId + after`: serialised
 * once per broadcast, each terminal's number spliced in. Serialising the whole message once per
 * terminal (5 in the benchmark's sessions) was about 4 % of the server's CPU under load
 * (docs/performance.md).
 */
export function stampedJsonParts(message: SyncMessage): { before: string; after: string } {
  const json = JSON.stringify({ ...message, data: { ...message.data, message_ID: MESSAGE_ID_MARK } });
  const at = json.indexOf(MESSAGE_ID_MARK_JSON);
  return { before: json.slice(0, at), after: json.slice(at + MESSAGE_ID_MARK_JSON.length) };
}

/** A copy of `message` whose data.message_ID is `messageId`; the original is left as it was. */
export function stamped(message: SyncMessage, messageId: number): SyncMessage {
  return { ...message, data: { ...message.data, message_ID: messageId } };
}
