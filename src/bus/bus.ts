import type { Notification, Store, StoreTx } from "../db/store.ts";
import { phaseTiming } from "../metrics/phase-timing.ts";
import { CommitFeed } from "./commit-feed.ts";
import { Dispatcher } from "./dispatcher.ts";
import { Outbox } from "./outbox.ts";
import { RecentNotifications } from "./recent-notifications.ts";

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface BusOptions {
  /** How long a poll is held, and how far back a poll with last=0 looks. */
  pollTimeoutMs: number;
  /** How many of the latest notifications re-polls are answered from without the database. */
  recentCapacity?: number;
  /** Told what the bus does, for metrics (src/metrics/). */
  observer?: BusObserver;
  /** Told when the committed notifications cannot be read (the feed retries by itself). */
  onReadError?: (error: unknown) => void;
}

/** "empty": a peek or a poll cut short by shutdown that found nothing. */
export type PollOutcome = "notifications" | "timeout" | "client_gone" | "empty";

/** Hooks for metrics; each is called once per event, after the fact, and must not throw. */
export interface BusObserver {
  /** A transaction committed `written` notifications, `seconds` after it was started. */
  committed(seconds: number, written: number): void;
  /** A poll was answered; `latencySeconds` is commit-to-answer when the poll was woken by a commit. */
  pollAnswered(outcome: PollOutcome, delivered: number, latencySeconds?: number): void;
  deleted(count: number): void;
}

export interface PollOptions {
  peek?: boolean;
  /** Registers `gone` to run when the client goes away; returns its unregistration. */
  onClientGone?: (gone: () => void) => () => void;
}

/** How a poll ended, filled in while it waits (only when there is an observer). */
interface PollAnswer {
  clientGone?: boolean;
  /** performance.now() of the commit whose notifications woke the poll. */
  committedAt?: number;
}

/** The long-poll bus: durable notifications, and polls that wait for them. */
export class Bus {
  readonly dispatcher = new Dispatcher();
  private readonly recent: RecentNotifications;
  private readonly feed: CommitFeed;
  private readonly unwatch: (() => void) | undefined;
  private closed = false;
  /** performance.now() of the latest commit that sent notifications, for delivery latency. */
  private lastCommitAt = 0;

  private constructor(
    private readonly store: Store,
    private readonly options: BusOptions,
    private readonly clock: Clock,
    lastCommittedId: number,
  ) {
    this.recent = new RecentNotifications(lastCommittedId, options.recentCapacity ?? 20_000);
    this.feed = new CommitFeed(lastCommittedId, {
      read: async (afterId, upToId) => store.notificationsBetween(afterId, upToId),
      deliver: (batch) => this.deliver(batch),
      readFailed: (error) => options.onReadError?.(error),
    });
    this.unwatch = store.watchCommits?.({
      committed: (id) => this.feed.committedUpTo(id),
      reconnected: () => void this.catchUpWithStore(),
    });
  }

  static async open(store: Store, options: BusOptions, clock: Clock = systemClock): Promise<Bus> {
    return new Bus(store, options, clock, await store.lastCommittedId());
  }

  /** The last id every node has committed, read again; held polls then get what they missed. */
  private async catchUpWithStore(): Promise<void> {
    try {
      this.feed.committedUpTo(await this.store.lastCommittedId());
    } catch (error) {
      this.options.onReadError?.(error);
    }
  }

  /** The highest notification id this process has handed to pollers. */
  private get lastCommittedId(): number {
    return this.feed.last;
  }

  /**
   * Runs `work` in one store transaction; what it puts in the outbox is stored in the same
   * transaction and reaches waiting polls only after the commit.
   */
  async transaction<T>(work: (tx: StoreTx, outbox: Outbox) => Promise<T>): Promise<T> {
    const outbox = new Outbox();
    const started = performance.now();
    const sample = phaseTiming.begin();
    const { result } = await this.store.transaction(
      async (tx) => {
        const result = await work(tx, outbox);
        const sent = outbox.items.length > 0 ? await tx.insertNotifications(outbox.items, this.clock.now()) : [];
        return { result, sent };
      },
      ({ sent }) => {
        this.options.observer?.committed((performance.now() - started) / 1000, sent.length);
        phaseTiming.committed(sample, sent);
        this.feed.committedHere(sent);
      },
    );
    return result;
  }

  send(channel: string, message: unknown): Promise<void> {
    return this.transaction(async (_tx, outbox) => outbox.send(channel, message));
  }

  /** The notifications after `last` (or, for last=0, of the last poll timeout), waiting for some unless peeking. */
  poll(channels: readonly string[], last: number, options: PollOptions = {}): Promise<Notification[]> {
    const observer = this.options.observer;
    if (!observer) return this.waitForNotifications(channels, last, options);
    const answer: PollAnswer = {};
    return this.waitForNotifications(channels, last, options, answer).then((notifications) => {
      const outcome: PollOutcome =
        notifications.length > 0 ? "notifications" : answer.clientGone ? "client_gone" : options.peek || this.closed ? "empty" : "timeout";
      observer.pollAnswered(outcome, notifications.length, answer.committedAt === undefined ? undefined : (performance.now() - answer.committedAt) / 1000);
      return notifications;
    });
  }

  private async waitForNotifications(channels: readonly string[], last: number, options: PollOptions, answer?: PollAnswer): Promise<Notification[]> {
    if (options.peek || this.closed) return this.stored(channels, last);
    let arrived: Notification[] | undefined;
    let wake: ((batch: Notification[]) => void) | undefined;
    let wakeScheduled = false;
    // Wake on the next turn of the event loop, so commits of the same turn share one reply.
    const unsubscribe = this.dispatcher.subscribe(channels, (published) => {
      // A cursor from another node can be ahead of what this node has caught up with: what
      // the terminal already got there is not sent again.
      const batch = published.length === 0 || published[0]!.id > last ? published : published.filter((n) => n.id > last);
      if (batch.length === 0 && published.length > 0) return;
      if (answer && !arrived) answer.committedAt = this.lastCommitAt;
      arrived = arrived ? arrived.concat(batch) : batch;
      if (!wake || wakeScheduled) return;
      wakeScheduled = true;
      setImmediate(() => wake!(arrived!));
    });
    let timer: NodeJS.Timeout | undefined;
    let clientGone = false;
    const forgetClient = options.onClientGone?.(() => {
      clientGone = true;
      if (answer) answer.clientGone = true;
      wake?.([]);
    });
    try {
      const stored = await this.stored(channels, last);
      if (stored.length > 0) return stored;
      if (arrived || clientGone) return arrived ?? [];
      return await new Promise<Notification[]>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, this.options.pollTimeoutMs, []);
      });
    } finally {
      unsubscribe();
      clearTimeout(timer);
      forgetClient?.();
    }
  }

  /** Deletes the notifications created at or before `createdAt`; returns their ids. */
  async deleteUpTo(createdAt: number): Promise<number[]> {
    const deleted = await this.store.deleteNotificationsUpTo(createdAt);
    this.options.observer?.deleted(deleted.length);
    if (deleted.length > 0) this.recent.forgetUpTo(deleted.reduce((highest, id) => Math.max(highest, id)));
    return deleted;
  }

  /** Answers every held poll with what it has (nothing) and makes new polls return at once. */
  close(): void {
    this.closed = true;
    this.unwatch?.();
    this.feed.stop();
    this.dispatcher.releaseAll();
  }

  get heldPolls(): number {
    return this.dispatcher.listenerCount;
  }

  private async stored(channels: readonly string[], last: number): Promise<Notification[]> {
    if (last > 0)
      return last >= this.lastCommittedId ? [] : (this.recent.after(channels, last) ?? this.store.notificationsAfter(channels, last, this.lastCommittedId));
    return this.store.notificationsCreatedSince(channels, this.clock.now() - this.options.pollTimeoutMs, this.lastCommittedId);
  }

  /** Called by the feed in id order, lastCommittedId already moved on. */
  private deliver(sent: Notification[]): void {
    if (sent.length === 0) return;
    this.lastCommitAt = performance.now();
    this.recent.add(sent);
    this.dispatcher.publish(sent);
  }
}
