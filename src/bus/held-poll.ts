import type { Notification } from "../db/contracts/notification-log.ts";
import type { Dispatcher, Listener } from "./dispatcher.ts";
import type { Expiring, PollDeadline, PollDeadlines } from "./poll-deadlines.ts";

/** The client behind a poll, as far as the bus cares: it may go away. */
export interface PollClient {
  /** Calls `gone` when the client disconnects, until offClientGone(gone). */
  onClientGone(gone: () => void): void;
  offClientGone(gone: () => void): void;
}

/** Where a poll's answer goes: one of the two, once. */
export interface PollReply {
  answered(notifications: Notification[]): void;
  /** The store could not be read. */
  failed(error: unknown): void;
}

/** What the held polls of one bus share. */
export interface PollHost {
  readonly dispatcher: Dispatcher;
  readonly deadlines: PollDeadlines;
  /** performance.now() of the latest commit that sent notifications. */
  lastCommitAt(): number;
  /** Calls poll.wake() on the next turn of the event loop. */
  wakeSoon(poll: HeldPoll): void;
  /** Told once, when `poll` is answered with `notifications`. */
  answered(poll: HeldPoll, notifications: Notification[]): void;
}

/**
 * A poll waiting for notifications on its channels: answered once, when they come, when its
 * deadline passes, when its client goes away or when the bus closes. It listens from before the
 * store is read, so nothing committed during the read is missed. One object as the listener, the
 * deadline's owner and the client's watcher, rather than an async frame and a closure for each:
 * one lives as long as each held poll (with the deadline queue and the body released once read,
 * heap per held poll went from 11.9 to 8.1 KB; docs/performance.md).
 */
export class HeldPoll implements Listener, Expiring {
  /** Published for this poll since it started listening. */
  private arrived: Notification[] | undefined;
  /** Set once the store had nothing: the poll is held until something answers it. */
  private deadline: PollDeadline | undefined;
  private wakeScheduled = false;
  private over = false;
  clientGone = false;
  /** performance.now() of the commit whose notifications came first. */
  committedAt: number | undefined;

  constructor(
    private readonly host: PollHost,
    private readonly channels: readonly string[],
    private readonly last: number,
    private readonly client: PollClient | undefined,
    private readonly reply: PollReply,
  ) {
    host.dispatcher.subscribe(channels, this);
    client?.onClientGone(this.gone);
  }

  /**
   * The store's notifications for the poll: the answer, later in this turn, if there are any;
   * else what came meanwhile; else it waits.
   */
  read(stored: Notification[]): void {
    if (stored.length > 0) {
      // Answered at the end of this turn, not at once: the group commit of the updates parsed in
      // this turn lands first (SQLite), and its notifications go in the same reply. Terminals
      // re-poll less: in the saturation benchmark 1.2-1.3 poll replies per broadcast instead of
      // 2.2-2.3, and 15-20 % less server CPU per notification (docs/performance.md).
      this.arrived = this.arrived ? stored.concat(this.arrived) : stored;
      this.wakeScheduled = true;
      setImmediate(wakeNow, this);
      return;
    }
    if (this.arrived || this.clientGone) this.answer(this.arrived ?? []);
    else this.deadline = this.host.deadlines.add(this);
  }

  published(batch: Notification[]): void {
    // A cursor from another node can be ahead of what this node has caught up with: what
    // the terminal already got there is not sent again.
    const mine = batch.length === 0 || batch[0]!.id > this.last ? batch : batch.filter((n) => n.id > this.last);
    if (mine.length === 0 && batch.length > 0) return;
    if (!this.arrived) this.committedAt = this.host.lastCommitAt();
    this.arrived = this.arrived ? this.arrived.concat(mine) : mine;
    // Not held yet (its read is pending), or a wake is due anyway: it answers with these then.
    if (!this.deadline || this.wakeScheduled) return;
    this.wakeScheduled = true;
    // Answered on the next turn of the event loop, so commits of the same turn share one reply.
    this.host.wakeSoon(this);
  }

  wake(): void {
    this.answer(this.arrived!);
  }

  expire(): void {
    this.answer([]);
  }

  /** The store could not be read: stops listening, and the poll fails. */
  fail(error: unknown): void {
    this.stop();
    this.reply.failed(error);
  }

  private readonly gone = (): void => {
    this.clientGone = true;
    if (this.deadline) this.answer([]);
  };

  private answer(notifications: Notification[]): void {
    if (this.over) return;
    this.stop();
    this.reply.answered(notifications);
    this.host.answered(this, notifications);
  }

  private stop(): void {
    this.over = true;
    this.host.dispatcher.unsubscribe(this.channels, this);
    if (this.deadline) this.host.deadlines.remove(this.deadline);
    this.client?.offClientGone(this.gone);
  }
}

const wakeNow = (poll: HeldPoll): void => poll.wake();
