import type { Notification } from "../store.ts";

/** The most ids one step of a scan covers (so the most rows it reads): a millisecond or two of the event loop. */
export const SCAN_STEP_IDS = 5_000;

export interface ChannelScanStatements {
  /** The notifications of the channels (a JSON array) with ids in (afterId, upToId], in id order. */
  channelsInIdRange: { all(params: { channels: string; afterId: number; upToId: number }): Notification[] };
  /** The first notification with an id at or above `id`. */
  firstNotificationFrom: { get(params: { id: number }): { id: number } | undefined };
}

/**
 * The notifications of `channels` with ids in (afterId, upToId], in id order.
 *
 * The notifications table has no index on channel (migration 0003): every commit wrote one
 * index page per channel it touched, 3 to 4 times the WAL of the rows themselves, which cost
 * about a quarter of the server's CPU per notification under load (docs/performance.md). Most
 * polls are answered from memory (src/bus/recent-notifications.ts); the rest walk the key in
 * steps of at most SCAN_STEP_IDS ids, each its own read, yielding to the event loop between
 * steps, so a long catch-up never holds other requests up for long. A range with no rows (ids
 * jump at a restart, see id-floor.ts) costs one key lookup.
 */
export async function scanChannels(
  statements: ChannelScanStatements,
  read: <T>(query: () => T) => Promise<T>,
  channels: readonly string[],
  afterId: number,
  upToId: number,
): Promise<Notification[]> {
  const json = JSON.stringify(channels);
  let found: Notification[] = [];
  let from = afterId;
  while (from < upToId) {
    const step = await read(() => {
      const next = statements.firstNotificationFrom.get({ id: from + 1 })?.id;
      if (next === undefined || next > upToId) return { rows: [], to: upToId };
      const to = Math.min(next - 1 + SCAN_STEP_IDS, upToId);
      return { rows: statements.channelsInIdRange.all({ channels: json, afterId: next - 1, upToId: to }), to };
    });
    found = found.length === 0 ? step.rows : found.concat(step.rows);
    from = step.to;
    if (from < upToId) await new Promise((resolve) => setImmediate(resolve));
  }
  return found;
}
