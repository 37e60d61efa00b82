import type { NewNotification } from "../db/contracts/notification-log.ts";

/** Notifications a transaction will send once it commits. */
export class Outbox {
  readonly items: NewNotification[] = [];

  /** Serialises `message` now, so later changes to the object never leak into what was sent. */
  send(channel: string, message: unknown): void {
    this.items.push({ channel, message: JSON.stringify(message) });
  }

  /** A message already serialised (valid JSON text). */
  sendJson(channel: string, json: string): void {
    this.items.push({ channel, message: json });
  }
}
