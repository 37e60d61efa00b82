import type { Notification } from "../db/contracts/notification-log.ts";
import type { Caller } from "../http/caller.ts";

/** Who watches polls and pings (the console's presence; the bench's phase timing). */
export interface PollObserver {
  /** A poll (or stream) with cursor `last` started: the terminal has every notification up to `last`. */
  pollStarted?(channels: readonly string[], clientAddress: string, last: number): void;
  /** The poll has the notifications it answers with; `caller` stands for the poll until its reply is written; `peek`: a peek poll. */
  pollEnded?(channels: readonly string[], notifications: readonly Notification[], caller: Caller, peek: boolean): void;
  /** An open stream wrote `notifications` (in id order) to its client. */
  streamed?(channels: readonly string[], notifications: readonly Notification[]): void;
  pinged?(dbname: string, posId: number): void;
}
