import type Database from "better-sqlite3";

/**
 * The statements of SeenTerminals: the terminals seen polling, and those sync_all registered.
 * @internal: no declaration is written, its statement types cannot be named outside better-sqlite3.
 */
export function prepareSeenTerminals(sqlite: Database.Database) {
  return {
    rememberTerminal: sqlite.prepare<{ dbname: string; posId: string; seenAt: number }>(
      `INSERT INTO known_terminals (dbname, pos_id, last_seen) VALUES (:dbname, :posId, :seenAt)
       ON CONFLICT (dbname, pos_id) DO UPDATE SET last_seen = excluded.last_seen`,
    ),
    knownTerminals: sqlite.prepare<[string, string], { posId: string }>(
      `SELECT pos_id AS posId FROM known_terminals WHERE dbname = ?
       UNION SELECT CAST(pos_id AS TEXT) FROM terminals WHERE dbname = ?
       ORDER BY 1`,
    ),
  };
}
