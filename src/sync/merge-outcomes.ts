/** What became of a stale update_order with POS_SYNC_MERGE on. */
export type MergeOutcome =
  /** accepted: merged with the other terminals' changes */
  | "merged"
  /** refused: a line or field it changed was changed by another terminal too */
  | "conflict"
  /** refused: its revision left the history, it repeats a nonce already applied, or its lines are not [0, 0, {uid}] */
  | "unmergeable";

export type MergeCounts = Record<MergeOutcome, number>;

/** Counts per server, fed by the sync feature's observer (src/sync/feature.ts). */
export class MergeCounters {
  private readonly counts: MergeCounts = { merged: 0, conflict: 0, unmergeable: 0 };

  count(outcome: MergeOutcome): void {
    this.counts[outcome] += 1;
  }

  snapshot(): Readonly<MergeCounts> {
    return { ...this.counts };
  }
}
