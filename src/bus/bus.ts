import type { Notification, Store, StoreTx } from "../db/store.ts";
import { phaseTiming } from "../metrics/phase-timing.ts";
import { BusStream, type StreamSink } from "./bus-stream.ts";
import { CommitFeed } from "./commit-feed.ts";
import { Dispatcher } from "./dispatcher.ts";
import { WakeQueue } from "./wake-queue.ts";
import { HeldPoll, type PollClient, type PollHost } from "./held-poll.ts";
import { Outbox } from "./outbox.ts";
import { PollDeadlines } from "./poll-deadlines.ts";
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
  /** Answered at once with [] when it goes away. */
  client?: PollClient;
}

/** The long-poll bus: durable notifications, and polls that wait for them. */
export class Bus {
  readonly dispatcher = new Dispatcher();
  private readonly recent: RecentNotifications;
  private readonly feed: CommitFeed;
  private readonly pollHost: PollHost;
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
    const wakeQueue = new WakeQueue();
    this.pollHost = {
      dispatcher: this.dispatcher,
      deadlines: new PollDeadlines(options.pollTimeoutMs),
      lastCommitAt: () => this.lastCommitAt,
      wakeSoon: (poll) => wakeQueue.add(poll),
      answered: (poll, notifications) => this.heldPollAnswered(poll, notifications),
    };
    this.recent = new RecentNotifications(lastCommittedId, options.recentCapacity ?? 20_000, clock.now());
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
    if (options.peek || this.closed) {
      const observer = this.options.observer;
      const stored = this.stored(channels, last);
      if (!observer) return stored;
      return stored.then((notifications) => {
        observer.pollAnswered(notifications.length > 0 ? "notifications" : "empty", notifications.length);
        return notifications;
      });
    }
    return new Promise((resolve, reject) => {
      const held = new HeldPoll(this.pollHost, channels, last, options.client, resolve);
      this.stored(channels, last).then(
        (stored) => held.read(stored),
        (error: unknown) => {
          held.abandon();
          reject(error);
        },
      );
    });
  }

  /**
   * A stream on `channels` (docs/protocol.md, "Streaming"): first what poll(channels, last) would
   * return, then each notification as it commits, until stop() or the bus closes.
   */
  stream(channels: readonly string[], last: number, sink: StreamSink): BusStream {
    const stream = new BusStream(this.dispatcher, channels, last, sink);
    this.stored(channels, last).then(
      (stored) => {
        stream.caughtUp(stored);
        if (this.closed) stream.published([]);
      },
      (error: unknown) => stream.failed(error),
    );
    return stream;
  }

  private heldPollAnswered(poll: HeldPoll, notifications: Notification[]): void {
    const observer = this.options.observer;
    if (!observer) return;
    const outcome: PollOutcome = notifications.length > 0 ? "notifications" : poll.clientGone ? "client_gone" : this.closed ? "empty" : "timeout";
    observer.pollAnswered(outcome, notifications.length, poll.committedAt === undefined ? undefined : (performance.now() - poll.committedAt) / 1000);
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
    const since = this.clock.now() - this.options.pollTimeoutMs;
    return this.recent.createdSince(channels, since) ?? this.store.notificationsCreatedSince(channels, since, this.lastCommittedId);
  }

  /** Called by the feed in id order, lastCommittedId already moved on. */
  private deliver(sent: Notification[]): void {
    if (sent.length === 0) return;
    this.lastCommitAt = performance.now();
    this.recent.add(sent, this.clock.now());
    this.dispatcher.publish(sent);
  }
}
