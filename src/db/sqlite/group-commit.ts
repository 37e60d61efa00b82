import type { Statement } from "better-sqlite3";
import { SerialLock } from "./serial-lock.ts";

export interface GroupCommitStatements {
  begin: Statement;
  commit: Statement;
  rollback: Statement;
  savepoint: Statement;
  release: Statement;
  rollbackToSavepoint: Statement;
}

interface Batch {
  afterCommit: (() => void)[];
  committed: Promise<void>;
}

/**
 * Group commit: the transactions of one event-loop turn share one SQLite transaction, each
 * inside its own savepoint (a failing one is rolled back alone). The batch commits on the next
 * turn; only then do its transactions resolve and their `afterCommit` callbacks run, in order.
 * One commit per turn instead of one per request: fewer WAL pages written, less CPU per write.
 */
export class GroupCommit {
  private readonly lock = new SerialLock();
  private batch: Batch | undefined;

  constructor(
    private readonly statements: GroupCommitStatements,
    private readonly inTransaction: () => boolean,
  ) {}

  async run<T>(work: () => Promise<T> | T, afterCommit?: (result: T) => void): Promise<T> {
    const { result, committed } = await this.lock.run(async () => {
      const batch = this.batch ?? this.openBatch();
      const { savepoint, release, rollbackToSavepoint } = this.statements;
      savepoint.run();
      let result: T;
      try {
        result = await work();
      } catch (error) {
        rollbackToSavepoint.run();
        release.run();
        throw error;
      }
      release.run();
      if (afterCommit) batch.afterCommit.push(() => afterCommit(result));
      return { result, committed: batch.committed };
    });
    await committed;
    return result;
  }

  /** Runs `read` between transactions; it may see the open batch's writes, which are not committed yet. */
  read<T>(read: () => T): Promise<T> {
    return this.lock.run(read);
  }

  /** Resolves once nothing is waiting to commit. */
  async flushed(): Promise<void> {
    while (this.batch) await this.batch.committed.catch(() => undefined);
  }

  private openBatch(): Batch {
    this.statements.begin.run();
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    committed.catch(() => undefined); // each transaction of the batch sees the failure itself
    const batch: Batch = { afterCommit: [], committed };
    this.batch = batch;
    setImmediate(() =>
      this.lock.run(() => {
        this.batch = undefined;
        try {
          this.statements.commit.run();
        } catch (error) {
          if (this.inTransaction()) this.statements.rollback.run();
          reject(error);
          return;
        }
        for (const callback of batch.afterCommit) callback();
        resolve();
      }),
    );
    return batch;
  }
}
