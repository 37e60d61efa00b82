import { randomBytes } from "node:crypto";
import { CHANNEL, channelOf } from "../protocol/channels.ts";
import type { SyncContext, SyncMessage } from "./context.ts";

/**
 * broadcastMessage: every terminal of the multi-session, the sender's own included, gets its
 * own copy stamped with its next message_ID. Fix: the original mutated one shared object.
 */
export async function broadcast(ctx: SyncContext, message: SyncMessage): Promise<void> {
  const { tx, outbox, dbname, session } = ctx;
  const terminals = await tx.incrementMessageIds(dbname, session.multiSessionId);
  const stampedJson = stampedJsonOf(message);
  for (const terminal of terminals) outbox.sendJson(channelOf(dbname, CHANNEL.multiSession, terminal.posId), stampedJson(terminal.messageId));
}

/** Stands for data.message_ID while the message is serialised; no client can guess it. */
const MESSAGE_ID_MARK = `pos-sync message_ID ${randomBytes(12).toString("hex")}`;
const MESSAGE_ID_MARK_JSON = JSON.stringify(MESSAGE_ID_MARK);

/**
 * `message` as JSON text stamped with a given message_ID: serialised once per broadcast, each
 * terminal's number spliced in. Serialising the whole message once per terminal (5 in the
 * benchmark's sessions) was about 4 % of the server's CPU under load (docs/performance.md).
 */
export function stampedJsonOf(message: SyncMessage): (messageId: number) => string {
  const json = JSON.stringify({ ...message, data: { ...message.data, message_ID: MESSAGE_ID_MARK } });
  const at = json.indexOf(MESSAGE_ID_MARK_JSON);
  const before = json.slice(0, at);
  const after = json.slice(at + MESSAGE_ID_MARK_JSON.length);
  return (messageId) => before + messageId + after;
}

/** A copy of `message` whose data.message_ID is `messageId`; the original is left as it was. */
export function stamped(message: SyncMessage, messageId: number): SyncMessage {
  return { ...message, data: { ...message.data, message_ID: messageId } };
}
