/**
 * Bounds one terminal's memory whatever it misses: past this many runs, a new notification joins
 * the newest run, and a poll acknowledging part of a run leaves the whole run counted (an
 * overestimate that the next poll, acknowledging the rest, clears).
 */
const MAX_RUNS = 64;

/** Notifications with ids above the previous run's `lastId` and up to this one's. */
interface Run {
  lastId: number;
  count: number;
  /** Epoch ms this node had the oldest of them. */
  since: number;
}

/**
 * The notifications on one terminal's channels that it has not acknowledged yet, oldest first: a
 * poll with last=L acknowledges every id up to L. Ids arrive nearly always in ascending order, so
 * adding and acknowledging are O(1) amortized; counted exactly up to MAX_RUNS of them.
 */
export class Unacknowledged {
  private readonly runs: Run[] = [];
  private head = 0;
  /** The highest `last` acknowledged; ids up to it are never counted again. */
  acked = 0;
  count = 0;

  /** Epoch ms of the oldest, or undefined when every notification is acknowledged. */
  get since(): number | undefined {
    return this.runs[this.head]?.since;
  }

  /** Notification `id` is on the terminal's channels (committed, or delivered to it), known here since `at`. */
  add(id: number, at: number): boolean {
    if (id <= this.acked) return false;
    const newest = this.runs[this.runs.length - 1];
    if (this.head < this.runs.length && newest!.lastId >= id) return this.insert(id, at);
    if (this.runs.length - this.head >= MAX_RUNS) {
      newest!.lastId = id;
      newest!.count += 1;
    } else this.runs.push({ lastId: id, count: 1, since: at });
    this.count += 1;
    return true;
  }

  /** The terminal polled with last=`last`: it has everything up to `last`. */
  acknowledge(last: number): boolean {
    if (last <= this.acked) return false;
    this.acked = last;
    while (this.head < this.runs.length && this.runs[this.head]!.lastId <= last) this.count -= this.runs[this.head++]!.count;
    if (this.head === this.runs.length) this.clear();
    else if (this.head > MAX_RUNS) {
      this.runs.splice(0, this.head);
      this.head = 0;
    }
    return true;
  }

  /**
   * A poll with last=0: the terminal starts over (a page load) and is sent only the last poll
   * timeout's notifications, which are counted again as they are delivered; older ones it will never get.
   */
  startOver(): void {
    this.clear();
  }

  private clear(): void {
    this.runs.length = 0;
    this.head = 0;
    this.count = 0;
  }

  /**
   * Out of order (a poll answered from the store after newer ones were committed): put in place
   * unless a run holds it already (or may: a run of several).
   */
  private insert(id: number, at: number): boolean {
    let index = this.runs.length - 1;
    while (index > this.head && this.runs[index - 1]!.lastId >= id) index--;
    const run = this.runs[index]!;
    if (run.lastId === id || run.count > 1 || this.runs.length - this.head >= MAX_RUNS) return false;
    this.runs.splice(index, 0, { lastId: id, count: 1, since: Math.min(at, run.since) });
    this.count += 1;
    return true;
  }
}
