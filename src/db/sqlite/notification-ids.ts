type Row = { id: number; createdAt: number };

/** The prepared queries it needs (prepared in notification-log.ts). */
export interface IdStatements {
  lastNotification: { get(): Row | undefined };
  firstNotificationFrom: { get(params: { id: number }): Row | undefined };
  idFloor: { get(): { lastId: number } | undefined };
}

/**
 * Hands out notification ids: one more than the highest ever stored, also across restarts and
 * after GC emptied the table, and never below `floor` (see id-floor.ts: ids move forward even
 * when the file is replaced). Creation times never go back, even if the clock does.
 */
export class NotificationIds {
  private lastId: number;
  private lastCreatedAt: number;

  constructor(
    private readonly statements: IdStatements,
    floor = 0,
  ) {
    const last = statements.lastNotification.get();
    this.lastId = Math.max(last?.id ?? 0, statements.idFloor.get()?.lastId ?? 0, floor);
    this.lastCreatedAt = last?.createdAt ?? 0;
  }

  next(createdAt: number): { id: number; createdAt: number } {
    this.lastCreatedAt = Math.max(this.lastCreatedAt, createdAt);
    return { id: ++this.lastId, createdAt: this.lastCreatedAt };
  }

  /** The highest id stored or ever deleted (ids of rolled-back writes excepted); the floor is not an id. */
  lastStored(): number {
    return Math.max(this.statements.lastNotification.get()?.id ?? 0, this.statements.idFloor.get()?.lastId ?? 0);
  }

  /** The highest id created at or before `createdAt`, 0 if none: a binary search on the key. */
  lastCreatedUpTo(createdAt: number): number {
    let low = this.statements.firstNotificationFrom.get({ id: 0 })?.id ?? 1;
    let high = this.statements.lastNotification.get()?.id ?? 0;
    let found = 0;
    while (low <= high) {
      const middle = Math.floor((low + high) / 2);
      const row = this.statements.firstNotificationFrom.get({ id: middle });
      if (!row || row.id > high || row.createdAt > createdAt) {
        high = middle - 1;
      } else {
        found = row.id;
        low = row.id + 1;
      }
    }
    return found;
  }
}
