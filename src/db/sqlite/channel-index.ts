/**
 * The ids of every stored notification, by channel, in memory: what the SQLite table's dropped
 * channel index (migration 0003) answered, without its cost at commit. A channel's reads then
 * cost in proportion to what they return, however busy the other channels are.
 *
 * Why memory and not the index: the index wrote one B-tree page per channel a commit touched
 * (3 to 4 times the WAL of the rows themselves, about a quarter of the server's CPU per
 * notification at saturation); appending an id here costs tens of nanoseconds. The price is
 * 8 bytes per stored notification (plus a small array per channel), and one read of the
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

/** A channel's ids, ascending, in a typed array that grows by doubling; dropped ids are skipped by `start` until compaction. */
class IdList {
  private ids = new Float64Array(4);
  private start = 0;
  private end = 0;

  get size(): number {
    return this.end - this.start;
  }

  push(id: number): void {
    if (this.end === this.ids.length) {
      const live = this.ids.subarray(this.start, this.end);
      const next = live.length * 2 > this.ids.length ? new Float64Array(this.ids.length * 2) : this.ids;
      next.set(live);
      this.ids = next;
      this.end -= this.start;
      this.start = 0;
    }
    this.ids[this.end++] = id;
  }

  collect(afterId: number, upToId: number, into: number[]): void {
    for (let i = this.firstAbove(afterId); i < this.end && this.ids[i]! <= upToId; i++) into.push(this.ids[i]!);
  }

  /** Drops ids <= id; returns how many. */
  dropUpTo(id: number): number {
    const first = this.firstAbove(id);
    const dropped = first - this.start;
    this.start = first;
    return dropped;
  }

  /** The index of the first id above `id` (binary search). */
  private firstAbove(id: number): number {
    let low = this.start;
    let high = this.end;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.ids[middle]! <= id) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
