import type { Notification } from "../db/store.ts";

/**
 * The latest committed notifications, by channel, so a terminal re-polling with a recent cursor
 * is answered from memory instead of the database. Complete above `floor`: every notification
 * with a higher id is here, until it is evicted (oldest first, past `capacity`) or deleted.
 */
export class RecentNotifications {
  private readonly byChannel = new Map<string, Notification[]>();
  private readonly oldestFirst: Notification[] = [];
  private head = 0;

  constructor(
    private floor: number,
    private readonly capacity: number,
  ) {}

  /** `batch` was just committed, in ascending id order. */
  add(batch: readonly Notification[]): void {
    for (const notification of batch) {
      let list = this.byChannel.get(notification.channel);
      if (!list) this.byChannel.set(notification.channel, (list = []));
      list.push(notification);
      this.oldestFirst.push(notification);
    }
    while (this.oldestFirst.length - this.head > this.capacity) this.evictOldest();
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

  /** Forgets everything up to `id`, as the database did. */
  forgetUpTo(id: number): void {
    this.floor = Math.max(this.floor, id);
    while (this.head < this.oldestFirst.length && this.oldestFirst[this.head]!.id <= this.floor) this.evictOldest();
    this.compact();
  }

  private evictOldest(): void {
    const oldest = this.oldestFirst[this.head++]!;
    this.floor = Math.max(this.floor, oldest.id);
    const list = this.byChannel.get(oldest.channel)!;
    list.shift();
    if (list.length === 0) this.byChannel.delete(oldest.channel);
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.oldestFirst.length) {
      this.oldestFirst.splice(0, this.head);
      this.head = 0;
    }
  }
}
