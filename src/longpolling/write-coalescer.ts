/** Something that holds text for its socket until flushed. */
export interface Flushable {
  flush(): void;
}

/**
 * Gathers every stream's writes of one event-loop turn into one socket write per stream: a turn
 * that commits several broadcasts (a group commit, or other nodes' commits read together) costs
 * each stream one write instead of one per commit.
 */
export class WriteCoalescer {
  private readonly dirty = new Set<Flushable>();
  private scheduled = false;

  /** `stream` has text waiting: it is flushed once this turn's I/O callbacks are done. */
  mark(stream: Flushable): void {
    this.dirty.add(stream);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flushAll);
  }

  private readonly flushAll = (): void => {
    this.scheduled = false;
    for (const stream of this.dirty) stream.flush();
    this.dirty.clear();
  };
}
