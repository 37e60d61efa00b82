/** What a deadline ends. */
export interface Expiring {
  expire(): void;
}

/** One held poll's place in the queue; removed from it once, by `remove` or by expiring. */
export class PollDeadline {
  prev: PollDeadline | undefined;
  next: PollDeadline | undefined;

  constructor(
    readonly owner: Expiring,
    /** performance.now() at which it expires. */
    readonly at: number,
  ) {}
}

/**
 * The deadlines of every held poll, with one timer. All held polls wait the same poll timeout,
 * so deadlines expire in the order they were added: a queue in that order, and a timer armed for
 * its head, replace a timer per poll (a Timeout object and its arguments, 152 B of heap for each
 * held poll). The timer keeps the process alive while any poll is held, as a timer per poll did.
 */
export class PollDeadlines {
  private head: PollDeadline | undefined;
  private tail: PollDeadline | undefined;
  private timer: NodeJS.Timeout | undefined;
  private count = 0;

  constructor(private readonly timeoutMs: number) {}

  /** `owner.expire()` is called once the timeout has passed, unless the deadline is removed first. */
  add(owner: Expiring): PollDeadline {
    const deadline = new PollDeadline(owner, performance.now() + this.timeoutMs);
    deadline.prev = this.tail;
    if (this.tail) this.tail.next = deadline;
    else this.head = deadline;
    this.tail = deadline;
    this.count += 1;
    if (!this.timer) this.arm(deadline);
    return deadline;
  }

  /** Takes `deadline` out of the queue; nothing happens if it has expired or was removed already. */
  remove(deadline: PollDeadline): void {
    if (!this.queued(deadline)) return;
    this.unlink(deadline);
    // With the head gone the timer may fire before the new head's deadline; it then re-arms.
    if (!this.head) this.disarm();
  }

  /** Deadlines in the queue. */
  get size(): number {
    return this.count;
  }

  /** Whether the timer is armed (only while the queue is not empty). */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    const now = performance.now();
    try {
      while (this.head && this.head.at <= now) {
        const expired = this.head;
        this.unlink(expired);
        expired.owner.expire();
      }
    } finally {
      // Also when an owner throws: the deadlines after it still expire.
      if (this.head && !this.timer) this.arm(this.head);
    }
  };

  private arm(head: PollDeadline): void {
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(head.at - performance.now())));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Only the head has no predecessor: any other deadline without one has left the queue. */
  private queued(deadline: PollDeadline): boolean {
    return deadline.prev !== undefined || this.head === deadline;
  }

  private unlink(deadline: PollDeadline): void {
    if (deadline.prev) deadline.prev.next = deadline.next;
    else this.head = deadline.next;
    if (deadline.next) deadline.next.prev = deadline.prev;
    else this.tail = deadline.prev;
    deadline.prev = deadline.next = undefined;
    this.count -= 1;
  }
}
