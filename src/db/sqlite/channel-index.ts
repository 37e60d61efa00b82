/**
 * The ids of every stored notification, by channel, in memory: what the SQLite table's dropped
 * channel index (migration 0003) answered, without its cost at commit. A channel's reads then
 * cost in proportion to what they return, however busy the other channels are.
 *
 * Why memory and not the index: the index wrote one B-tree page per channel a commit touched
 * (3 to 4 times the WAL of the rows themselves, about a quarter of the server's CPU per
 * notification at saturation); appending an id here costs tens of nanoseconds. The price is
 * about 8 bytes per stored notification (plus a small array per channel), and one read of the
 * table's (id, channel) pairs when the store opens (docs/performance-connect.md).
 */
export class ChannelIndex {
  private readonly byChannel = new Map<string, IdList>();
  private count = 0;

  /** Ids must arrive in ascending order per channel (commit order). */
  add(channel: string, id: number): void {
    let list = this.byChannel.get(channel);
    if (!list) this.byChannel.set(channel, (list = new IdList()));
    list.push(id);
    this.count++;
  }

  /** The ids on `channels` with afterId < id <= upToId, ascending. */
  idsBetween(channels: readonly string[], afterId: number, upToId: number): number[] {
    const found: number[] = [];
    for (const channel of new Set(channels)) this.byChannel.get(channel)?.collect(afterId, upToId, found);
    if (channels.length > 1) found.sort((a, b) => a - b);
    return found;
  }

  /** Forgets every id up to `id`, as the table's GC did. */
  forgetUpTo(id: number): void {
    for (const [channel, list] of this.byChannel) {
      this.count -= list.dropUpTo(id);
      if (list.size === 0) this.byChannel.delete(channel);
    }
  }

  /** How many ids it holds (for tests and the memory note). */
  get size(): number {
    return this.count;
  }
}

/**
 * A channel's ids, ascending; dropped ids are skipped by `start` until compaction. A plain array:
 * typed arrays cost about a microsecond each to allocate and grow, and most channels hold few ids.
 */
class IdList {
  private ids: number[] = [];
  private start = 0;

  get size(): number {
    return this.ids.length - this.start;
  }

  push(id: number): void {
    this.ids.push(id);
  }

  collect(afterId: number, upToId: number, into: number[]): void {
    for (let i = this.firstAbove(afterId); i < this.ids.length && this.ids[i]! <= upToId; i++) into.push(this.ids[i]!);
  }

  /** Drops ids <= id; returns how many. */
  dropUpTo(id: number): number {
    const first = this.firstAbove(id);
    const dropped = first - this.start;
    this.start = first;
    if (this.start > 64 && this.start * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.start);
      this.start = 0;
    }
    return dropped;
  }

  /** The index of the first id above `id` (binary search). */
  private firstAbove(id: number): number {
    let low = this.start;
    let high = this.ids.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.ids[middle]! <= id) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
