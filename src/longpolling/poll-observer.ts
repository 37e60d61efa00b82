import type { Notification } from "../db/contracts/notification-log.ts";
import type { Caller } from "../http/caller.ts";

/** Who watches polls and pings (the console's presence; the bench's phase timing). */
export interface PollObserver {
  pollStarted?(channels: readonly string[], clientAddress: string): void;
  /** The poll has the notifications it answers with; `caller` stands for the poll until its reply is written; `peek`: a peek poll. */
  pollEnded?(channels: readonly string[], notifications: readonly Notification[], caller: Caller, peek: boolean): void;
  pinged?(dbname: string, posId: number): void;
}
