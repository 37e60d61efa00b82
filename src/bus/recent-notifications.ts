import type { Notification } from "../db/contracts/notification-log.ts";

/**
 * The latest committed notifications, by channel, so a terminal re-polling with a recent cursor
 * (or polling with last=0) is answered from memory instead of the database. Complete above
 * `floor`: every notification with a higher id is here, until it is evicted (oldest first, past
 * `capacity`) or deleted. Each remembers when it was added (at or after its creation), so
 * memory also knows which time windows it holds whole: everything created after `floorAt`.
 * Ids are those of one id scope (Store.idScopeOf); rings of several scopes may share one
 * RecentBudget, so the oldest notification of all is evicted first.
 */
export class RecentNotifications {
  private readonly byChannel = new Map<string, Notification[]>();
  private readonly oldestFirst: Notification[] = [];
  /** When each of oldestFirst was added (epoch ms, never decreasing). */
  private readonly addedAt: number[] = [];
  private head = 0;
  private readonly budget: RecentBudget;
  /** How many of this ring's oldest entries in the budget's queue were already forgotten. */
  forgottenInBudget = 0;

  /**
   * `capacity`: a number for a ring of its own, or a budget shared with other rings. `floorAt`: no
   * notification at or below `floor` was created after it (the start of the process; unknown, never answer by time).
   */
  constructor(
    private floor: number,
    capacity: number | RecentBudget,
    private floorAt = Number.POSITIVE_INFINITY,
  ) {
    this.budget = typeof capacity === "number" ? new RecentBudget(capacity) : capacity;
  }

  /** `batch` was just committed, in ascending id order; `now` is the clock's time. */
  add(batch: readonly Notification[], now = Number.POSITIVE_INFINITY): void {
    const at = Math.max(now, this.addedAt[this.addedAt.length - 1] ?? Number.NEGATIVE_INFINITY);
    for (const notification of batch) {
      let list = this.byChannel.get(notification.channel);
      if (!list) this.byChannel.set(notification.channel, (list = []));
      list.push(notification);
      this.oldestFirst.push(notification);
      this.addedAt.push(at);
    }
    this.budget.added(this, batch.length);
    this.compact();
  }

  /** The notifications after `last` on `channels` in id order, or undefined when memory does not reach back that far. */
  after(channels: readonly string[], last: number): Notification[] | undefined {
    if (last < this.floor) return undefined;
    const found: Notification[] = [];
    for (const channel of channels) {
      const list = this.byChannel.get(channel);
      if (!list) continue;
      let start = list.length;
      while (start > 0 && list[start - 1]!.id > last) start--;
      for (let i = start; i < list.length; i++) found.push(list[i]!);
    }
    if (channels.length > 1) found.sort((a, b) => a.id - b.id);
    return found;
  }

  /**
   * The notifications on `channels` created at or after `since` (epoch ms), in id order, or
   * undefined when memory may not hold them all. A few added just after `since` but created just
   * before it may come too: a last=0 poll's window is only so exact.
   */
  createdSince(channels: readonly string[], since: number): Notification[] | undefined {
    if (since <= this.floorAt) return undefined;
    let low = this.head;
    let high = this.oldestFirst.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.addedAt[middle]! < since) low = middle + 1;
      else high = middle;
    }
    return this.after(channels, low > this.head ? this.oldestFirst[low - 1]!.id : this.floor);
  }

  /** Forgets everything up to `id`, as the database did. */
  forgetUpTo(id: number): void {
    this.floor = Math.max(this.floor, id);
    let forgotten = 0;
    while (this.head < this.oldestFirst.length && this.oldestFirst[this.head]!.id <= this.floor) {
      this.evictOldest();
      forgotten++;
    }
    this.budget.forgotten(this, forgotten);
    this.compact();
  }

  /** Its oldest notification goes (the budget's call). */
  evictOldest(): void {
    this.floorAt = Math.max(this.floorAt, this.addedAt[this.head]!);
    const oldest = this.oldestFirst[this.head++]!;
    this.floor = Math.max(this.floor, oldest.id);
    const list = this.byChannel.get(oldest.channel)!;
    list.shift();
    if (list.length === 0) this.byChannel.delete(oldest.channel);
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.oldestFirst.length) {
      this.oldestFirst.splice(0, this.head);
      this.addedAt.splice(0, this.head);
      this.head = 0;
    }
  }
}

/**
 * A capacity shared by rings: one entry per notification added, oldest first, each naming its
 * ring. Past the capacity the oldest entry's ring evicts its own oldest, which is that entry.
 */
export class RecentBudget {
  private readonly order: RecentNotifications[] = [];
  private head = 0;
  private live = 0;

  constructor(readonly capacity: number) {}

  added(ring: RecentNotifications, count: number): void {
    for (let i = 0; i < count; i++) this.order.push(ring);
    this.live += count;
    while (this.live > this.capacity) {
      const oldest = this.order[this.head++]!;
      if (oldest.forgottenInBudget > 0) oldest.forgottenInBudget--;
      else {
        oldest.evictOldest();
        this.live--;
      }
    }
    this.dropForgottenHead();
  }

  /** `ring` forgot its `count` oldest: their entries are the ring's oldest here, skipped when reached. */
  forgotten(ring: RecentNotifications, count: number): void {
    ring.forgottenInBudget += count;
    this.live -= count;
    this.dropForgottenHead();
  }

  private dropForgottenHead(): void {
    while (this.head < this.order.length && this.order[this.head]!.forgottenInBudget > 0) {
      this.order[this.head++]!.forgottenInBudget--;
    }
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
  }
}
