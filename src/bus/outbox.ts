import type { OutgoingNotification, SessionMessage } from "../db/contracts/notification-log.ts";

/** Notifications a transaction will send once it commits. */
export class Outbox {
  readonly items: OutgoingNotification[] = [];

  /** Serialises `message` now, so later changes to the object never leak into what was sent. */
  send(channel: string, message: unknown): void {
    this.items.push({ channel, message: JSON.stringify(message) });
  }

  /** A message already serialised (valid JSON text). */
  sendJson(channel: string, json: string): void {
    this.items.push({ channel, message: json });
  }

  /** A message to terminals of a multi-session, each copy stamped with the terminal's next message_ID by the store. */
  sendToSession(message: SessionMessage): void {
    this.items.push(message);
  }
}
