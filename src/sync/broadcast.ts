import { CHANNEL, channelOf } from "../protocol/channels.ts";
import type { SyncContext, SyncMessage } from "./context.ts";

/**
 * broadcastMessage: every terminal of the multi-session, the sender's own included, gets its
 * own copy stamped with its next message_ID. Fix: the original mutated one shared object.
 */
export async function broadcast(ctx: SyncContext, message: SyncMessage): Promise<void> {
  const { tx, outbox, dbname, session } = ctx;
  for (const terminal of await tx.incrementMessageIds(dbname, session.multiSessionId)) {
    outbox.send(channelOf(dbname, CHANNEL.multiSession, terminal.posId), stamped(message, terminal.messageId));
  }
}

/** A copy of `message` whose data.message_ID is `messageId`; the original is left as it was. */
export function stamped(message: SyncMessage, messageId: number): SyncMessage {
  return { ...message, data: { ...message.data, message_ID: messageId } };
}
