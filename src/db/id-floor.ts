/**
 * How far the notification id space moves forward per millisecond of wall-clock time. A store
 * that hands out fewer ids than this per millisecond, averaged since it started, never reaches
 * the floor of a later start; 1000 per ms is a million notifications a second.
 */
export const IDS_PER_MS = 1000;

/**
 * The lowest "last id" a store opened at wall-clock time `nowMs` starts from, whatever its
 * tables hold. Fix: a terminal keeps its bus cursor in its browser, so when the database file
 * is replaced (deleted, restored from an older backup) ids must still start above any cursor
 * handed out before, or its catch-up polls return nothing until ids pass it. Every store takes
 * max(highest id it holds, idFloorAt(now)) as its last id when it opens.
 *
 * Ids stay exact JS numbers (below 2^53) until the year 2255.
 */
export function idFloorAt(nowMs: number): number {
  const floor = Math.floor(nowMs) * IDS_PER_MS;
  if (!Number.isSafeInteger(floor)) throw new RangeError(`the clock (${nowMs} ms) is past the notification id space`);
  return Math.max(0, floor);
}
