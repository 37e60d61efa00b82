import type { Notification } from "../db/contracts/notification-log.ts";

export interface CommitFeedDeps {
  /** Every channel's notifications in (afterId, upToId], in id order, from the table. */
  read(afterId: number, upToId: number): Promise<Notification[]>;
  /** Everything up to `upToId` is committed and `batch` is what of it this process had not seen; called in id order. */
  deliver(batch: Notification[], upToId: number): void;
  readFailed(error: unknown): void;
}

/**
 * Hands committed notifications on in id order, each once, with no gap: the commits whose rows
 * it is handed (its own, and other nodes' that fit in their wake-up: the fast path, nothing to
 * read), and whatever it has not seen (other commits, or any heard out of order) read from the
 * table, the truth. Ids
 * commit in ascending order (Store.transaction), so "everything up to N is committed" is known
 * as soon as any commit of N is.
 */
export class CommitFeed {
  private target: number;
  private reading = false;
  private stopped = false;

  constructor(
    private lastId: number,
    private readonly deps: CommitFeedDeps,
  ) {
    this.target = lastId;
  }

  /** The highest id handed on: every notification up to it has been delivered. */
  get last(): number {
    return this.lastId;
  }

  /** `sent` (ascending ids) are committed, with every id below them: this process's commit, or another's whose rows came with its wake-up. */
  committed(sent: readonly Notification[]): void {
    if (sent.length === 0) return;
    const upTo = sent[sent.length - 1]!.id;
    if (upTo <= this.lastId) return;
    if (this.reading || sent[0]!.id !== this.lastId + 1) {
      this.committedUpTo(upTo);
      return;
    }
    this.lastId = this.target = upTo;
    this.deps.deliver(sent as Notification[], upTo);
  }

  /** Every id up to `upToId` is committed, by whichever process. */
  committedUpTo(upToId: number): void {
    if (upToId <= this.target) return;
    this.target = upToId;
    if (!this.reading) void this.readToTarget();
  }

  stop(): void {
    this.stopped = true;
  }

  private async readToTarget(): Promise<void> {
    this.reading = true;
    let retryMs = 50;
    while (this.target > this.lastId && !this.stopped) {
      const upTo = this.target;
      let batch: Notification[];
      try {
        batch = await this.deps.read(this.lastId, upTo);
      } catch (error) {
        this.deps.readFailed(error);
        await new Promise((resolve) => setTimeout(resolve, retryMs).unref());
        retryMs = Math.min(retryMs * 2, 5000);
        continue;
      }
      retryMs = 50;
      this.lastId = upTo;
      this.deps.deliver(batch, upTo);
    }
    this.reading = false;
  }
}
