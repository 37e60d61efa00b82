import type { PollReply } from "../bus/held-poll.ts";
import type { Notification } from "../db/contracts/notification-log.ts";
import type { Caller } from "../http/caller.ts";
import { RawJson } from "../http/route.ts";

/** What the route does once any of its polls has its notifications (or failed: []). */
export interface PollEnding {
  pollEnded(channels: readonly string[], notifications: readonly Notification[], caller: Caller, peek: boolean, address: string): void;
}

/**
 * One poll of /longpolling/poll, from the bus's answer to the route's reply. One object for
 * what a .then and its closures kept per held poll (with the bus's promise, 0.3 KB of heap).
 */
export class PollCall implements PollReply {
  constructor(
    private readonly channels: readonly string[],
    private readonly caller: Caller,
    /** The caller's address when the poll started: the slot it holds. */
    readonly address: string,
    private readonly peek: boolean,
    private readonly ending: PollEnding,
    private readonly resolve: (reply: RawJson) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  answered(notifications: Notification[]): void {
    this.ending.pollEnded(this.channels, notifications, this.caller, this.peek, this.address);
    this.resolve(notificationsJson(notifications));
  }

  failed(error: unknown): void {
    this.ending.pollEnded(this.channels, [], this.caller, this.peek, this.address);
    this.reject(error);
  }
}

/** Stored messages are JSON text already: spliced in, not parsed and stringified again. */
function notificationsJson(notifications: readonly Notification[]): RawJson {
  let json = "[";
  for (let i = 0; i < notifications.length; i++) {
    const { id, channel, message } = notifications[i]!;
    json += `${i === 0 ? "" : ","}{"id":${id},"channel":${JSON.stringify(channel)},"message":${message}}`;
  }
  return new RawJson(`${json}]`);
}
