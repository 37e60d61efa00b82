import type { DeletedNotification, Notification, NotificationLog, ScopeId } from "../db/contracts/notification-log.ts";
import type { StoreTx, Transactions } from "../db/store.ts";
import { ValidationError } from "../errors.ts";
import { BusStream, type StreamSink } from "./bus-stream.ts";
import { CommitFeed } from "./commit-feed.ts";
import { Dispatcher } from "./dispatcher.ts";
import { WakeQueue } from "./wake-queue.ts";
import { HeldPoll, type PollClient, type PollHost, type PollReply } from "./held-poll.ts";
import { Outbox } from "./outbox.ts";
import { PollDeadlines } from "./poll-deadlines.ts";
import { RecentBudget, RecentNotifications } from "./recent-notifications.ts";

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Follows a sample of transactions from their start to their commit (the bench's phase timing, src/metrics/phase-timing.ts). */
export interface TransactionTiming<S = unknown> {
  /** At the start of a transaction: a sample, or undefined when this one is not followed. */
  begin(): S | undefined;
  /** Right after the commit, with the notifications the transaction stored. */
  committed(sample: S | undefined, sent: readonly { id: number }[]): void;
}

/** What the bus needs from the store: the notification log, and transactions that append to it. */
export type BusStore = NotificationLog & Transactions;

const UNTIMED: TransactionTiming = { begin: () => undefined, committed() {} };

export interface BusOptions {
  /** Phase timing of a sample of transactions; none by default. */
  timing?: TransactionTiming | undefined;
  /** How long a poll is held, and how far back a poll with last=0 looks. */
  pollTimeoutMs: number;
  /** How many of the latest notifications (of every id scope together) re-polls are answered from without the database. */
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
  /** Notifications of one id scope reached this node (committed here or by another node), in id order, before any poll has them. */
  published?(batch: readonly Notification[]): void;
}

export interface PollOptions {
  peek?: boolean;
  /** Answered at once with [] when it goes away. */
  client?: PollClient;
}

/**
 * What the bus keeps per id scope (NotificationLog.idScopeOf: every channel on SQLite, one database on
 * PostgreSQL): its ids are gapless and in commit order only there.
 */
interface IdScope {
  feed: CommitFeed;
  recent: RecentNotifications;
}

/** The long-poll bus: durable notifications, and polls that wait for them. */
export class Bus {
  readonly dispatcher = new Dispatcher();
  private readonly scopes = new Map<string, IdScope>();
  private readonly recentBudget: RecentBudget;
  private readonly pollHost: PollHost;
  private readonly unwatch: (() => void) | undefined;
  private closed = false;
  /** performance.now() of the latest commit that sent notifications, for delivery latency. */
  private lastCommitAt = 0;

  private constructor(
    private readonly store: BusStore,
    private readonly options: BusOptions,
    private readonly clock: Clock,
    lastCommittedIds: readonly ScopeId[],
  ) {
    const wakeQueue = new WakeQueue();
    this.pollHost = {
      dispatcher: this.dispatcher,
      deadlines: new PollDeadlines(options.pollTimeoutMs),
      lastCommitAt: () => this.lastCommitAt,
      wakeSoon: (poll) => wakeQueue.add(poll),
      answered: (poll, notifications) => this.heldPollAnswered(poll, notifications),
    };
    this.recentBudget = new RecentBudget(options.recentCapacity ?? 20_000);
    const openedAt = clock.now();
    for (const { scope, lastId } of lastCommittedIds) this.scopes.set(scope, this.newScope(scope, lastId, openedAt));
    this.unwatch = store.watchCommits?.({
      // Another node's commit: its rows as they came with the wake-up, or read from the table.
      committed: (scope, id, rows) => (rows ? this.scope(scope).feed.committed(rows) : this.scope(scope).feed.committedUpTo(id)),
      reconnected: () => void this.catchUpWithStore(),
      // Another node deleted some (test GC, retention): a poll here must not be answered from memory with them.
      forgotten: () => {
        for (const { recent, feed } of this.scopes.values()) recent.forgetUpTo(feed.last);
      },
    });
  }

  static async open(store: BusStore, options: BusOptions, clock: Clock = systemClock): Promise<Bus> {
    return new Bus(store, options, clock, await store.lastCommittedIds());
  }

  /**
   * `floorAt`: when the bus opened for the scopes it found, or never (-Infinity) for a scope first
   * heard of later: nothing of it was committed before (ids start above 0), so all of it comes through the feed.
   */
  private newScope(scope: string, lastId: number, floorAt: number): IdScope {
    return {
      recent: new RecentNotifications(lastId, this.recentBudget, floorAt),
      feed: new CommitFeed(lastId, {
        read: async (afterId, upToId) => this.store.notificationsBetween(afterId, upToId, scope),
        deliver: (batch) => this.deliver(scope, batch),
        readFailed: (error) => this.options.onReadError?.(error),
      }),
    };
  }

  private scope(scope: string): IdScope {
    let known = this.scopes.get(scope);
    if (!known) this.scopes.set(scope, (known = this.newScope(scope, 0, Number.NEGATIVE_INFINITY)));
    return known;
  }

  /**
   * The id scope of a poll. Fix for PostgreSQL, where ids are counted per database: a cursor
   * means nothing across two databases, so a poll naming channels of two is refused (the POS
   * polls the channels of its own database only).
   */
  scopeOfPoll(channels: readonly string[]): string {
    if (channels.length === 0) return "";
    const scope = this.store.idScopeOf(channels[0]!);
    if (!this.store.idsPerDatabase) return scope;
    for (let i = 1; i < channels.length; i++) {
      const other = this.store.idScopeOf(channels[i]!);
      if (other !== scope) {
        throw new ValidationError(
          `channels: a poll names the channels of one database only (ids are counted per database), got ${JSON.stringify(scope)} and ${JSON.stringify(other)}`,
        );
      }
    }
    return scope;
  }

  /** The last id of every scope every node has committed, read again; held polls then get what they missed. */
  private async catchUpWithStore(): Promise<void> {
    try {
      for (const { scope, lastId } of await this.store.lastCommittedIds()) this.scope(scope).feed.committedUpTo(lastId);
    } catch (error) {
      this.options.onReadError?.(error);
    }
  }

  /**
   * Runs `work` in one store transaction; what it puts in the outbox is stored in the same
   * transaction and reaches waiting polls only after the commit.
   */
  async transaction<T>(work: (tx: StoreTx, outbox: Outbox) => Promise<T>): Promise<T> {
    const outbox = new Outbox();
    const started = performance.now();
    const timing = this.options.timing ?? UNTIMED;
    const sample = timing.begin();
    const { result } = await this.store.transaction(
      async (tx) => {
        const result = await work(tx, outbox);
        const sent = outbox.items.length > 0 ? await tx.insertNotifications(outbox.items, this.clock.now(), true) : [];
        return { result, sent };
      },
      ({ sent }) => {
        this.options.observer?.committed((performance.now() - started) / 1000, sent.length);
        timing.committed(sample, sent);
        this.committedHere(sent);
      },
    );
    return result;
  }

  /** `sent` in ascending id order per scope; usually all of one scope. */
  private committedHere(sent: readonly Notification[]): void {
    if (sent.length === 0) return;
    const first = this.store.idScopeOf(sent[0]!.channel);
    if (!this.store.idsPerDatabase || sent.every((n) => this.store.idScopeOf(n.channel) === first)) {
      this.scope(first).feed.committed(sent);
      return;
    }
    const byScope = new Map<string, Notification[]>();
    for (const notification of sent) {
      const scope = this.store.idScopeOf(notification.channel);
      const group = byScope.get(scope);
      if (group) group.push(notification);
      else byScope.set(scope, [notification]);
    }
    for (const [scope, group] of byScope) this.scope(scope).feed.committed(group);
  }

  send(channel: string, message: unknown): Promise<void> {
    return this.transaction(async (_tx, outbox) => outbox.send(channel, message));
  }

  /**
   * The notifications after `last` (or, for last=0, of the last poll timeout), waiting for some
   * unless peeking. The channels are of one id scope (scopeOfPoll, which throws otherwise).
   */
  poll(channels: readonly string[], last: number, options: PollOptions = {}): Promise<Notification[]> {
    const scope = this.scopeOfPoll(channels);
    if (options.peek) return this.answeredAtOnce(this.peeked(channels, scope, last));
    return new Promise((resolve, reject) => this.hold(channels, last, { answered: resolve, failed: reject }, options.client));
  }

  /**
   * poll() without peeking, answered through `reply` rather than a promise: the route hands its
   * own object for the poll, so a held poll keeps no promise of the bus's alive.
   */
  hold(channels: readonly string[], last: number, reply: PollReply, client?: PollClient): void {
    const scope = this.scopeOfPoll(channels);
    if (this.closed) {
      this.answeredAtOnce(this.stored(channels, scope, last)).then(
        (notifications) => reply.answered(notifications),
        (error: unknown) => reply.failed(error),
      );
      return;
    }
    const held = new HeldPoll(this.pollHost, channels, last, client, reply);
    this.stored(channels, scope, last).then(
      (stored) => held.read(stored),
      (error: unknown) => held.fail(error),
    );
  }

  /** A peek, or a poll after close(): told to the observer as answered at once. */
  private answeredAtOnce(stored: Promise<Notification[]>): Promise<Notification[]> {
    const observer = this.options.observer;
    if (!observer) return stored;
    return stored.then((notifications) => {
      observer.pollAnswered(notifications.length > 0 ? "notifications" : "empty", notifications.length);
      return notifications;
    });
  }

  /**
   * A stream on `channels` (docs/protocol.md, "Streaming"): first what poll(channels, last) would
   * return, then each notification as it commits, until stop() or the bus closes.
   */
  stream(channels: readonly string[], last: number, sink: StreamSink): BusStream {
    const scope = this.scopeOfPoll(channels);
    const stream = new BusStream(this.dispatcher, channels, last, sink);
    this.stored(channels, scope, last).then(
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

  /** Deletes the notifications created at or before `createdAt`; returns their scopes and ids. */
  async deleteUpTo(createdAt: number): Promise<DeletedNotification[]> {
    const deleted = await this.store.deleteNotificationsUpTo(createdAt);
    this.options.observer?.deleted(deleted.length);
    const highest = new Map<string, number>();
    for (const { scope, id } of deleted) highest.set(scope, Math.max(highest.get(scope) ?? 0, id));
    for (const [scope, id] of highest) this.scopes.get(scope)?.recent.forgetUpTo(id);
    return deleted;
  }

  /** Answers every held poll with what it has (nothing) and makes new polls return at once. */
  close(): void {
    this.closed = true;
    this.unwatch?.();
    for (const { feed } of this.scopes.values()) feed.stop();
    this.dispatcher.releaseAll();
  }

  get heldPolls(): number {
    return this.dispatcher.listenerCount;
  }

  /**
   * A peek with other processes committing: answered up to what is committed now, read from the
   * store when this node has not heard all of it yet, so a client that has a reply from one node
   * (its update committed) sees that update when it peeks at another.
   */
  private async peeked(channels: readonly string[], scope: string, last: number): Promise<Notification[]> {
    if (!this.unwatch || this.closed) return this.stored(channels, scope, last);
    const committed = await this.store.lastCommittedId(scope);
    if (committed <= (this.scopes.get(scope)?.feed.last ?? 0)) return this.stored(channels, scope, last);
    this.scope(scope).feed.committedUpTo(committed);
    if (last > 0) return last >= committed ? [] : this.store.notificationsAfter(channels, last, committed);
    return this.store.notificationsCreatedSince(channels, this.clock.now() - this.options.pollTimeoutMs, committed);
  }

  /**
   * Up to the highest id of the scope this process has handed to pollers. A scope it has heard
   * nothing of has nothing committed it may answer with yet: its first commit wakes the poll.
   */
  private async stored(channels: readonly string[], scope: string, last: number): Promise<Notification[]> {
    const known = this.scopes.get(scope);
    if (!known) return [];
    const { recent } = known;
    const lastCommittedId = known.feed.last;
    if (last > 0) return last >= lastCommittedId ? [] : (recent.after(channels, last) ?? this.store.notificationsAfter(channels, last, lastCommittedId));
    const since = this.clock.now() - this.options.pollTimeoutMs;
    return recent.createdSince(channels, since) ?? this.store.notificationsCreatedSince(channels, since, lastCommittedId);
  }

  /** Called by a scope's feed in id order, its lastCommittedId already moved on. */
  private deliver(scope: string, sent: Notification[]): void {
    if (sent.length === 0) return;
    this.lastCommitAt = performance.now();
    this.scopes.get(scope)!.recent.add(sent, this.clock.now());
    this.options.observer?.published?.(sent);
    this.dispatcher.publish(sent);
  }
}
