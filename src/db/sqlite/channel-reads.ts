import type { Notification } from "../contracts/notification-log.ts";
import type { ChannelIndex } from "./channel-index.ts";

/** The most rows one read step fetches: a millisecond or two of the event loop. */
export const READ_STEP_ROWS = 5_000;

export interface ChannelReadStatements {
  /** One notification by its id (undefined once GC deleted it). */
  notificationById: { get(id: number): Notification | undefined };
}

/**
 * The notifications of `channels` with ids in (afterId, upToId], in id order.
 *
 * The ids come from memory (channel-index.ts), the rows by their key: a read costs in
 * proportion to what it returns, not to the other channels' notifications in its range (the
 * walk of the whole range it replaces took 70-100 ms for a quiet channel's last=0 poll with
 * 120,000 other notifications in the window). A long catch-up still reads in steps of at most
 * READ_STEP_ROWS rows, each its own read, yielding to the event loop between steps.
 */
export async function readChannels(
  statements: ChannelReadStatements,
  index: ChannelIndex,
  read: <T>(query: () => T) => Promise<T>,
  channels: readonly string[],
  afterId: number,
  upToId: number,
): Promise<Notification[]> {
  const ids = index.idsBetween(channels, afterId, upToId);
  let found: Notification[] = [];
  for (let from = 0; from < ids.length; from += READ_STEP_ROWS) {
    if (from > 0) await new Promise((resolve) => setImmediate(resolve));
    const step = await read(() => {
      const rows: Notification[] = [];
      for (const id of ids.slice(from, from + READ_STEP_ROWS)) {
        const row = statements.notificationById.get(id);
        if (row) rows.push(row);
      }
      return rows;
    });
    found = found.length === 0 ? step : found.concat(step);
  }
  return found;
}
