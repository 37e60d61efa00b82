import type Database from "better-sqlite3";
import type { NodeHeartbeat } from "../contracts/cluster.ts";
import type { ShopKeyDigest } from "../contracts/shop-keys.ts";

const NODE_COLUMNS = `node_id AS nodeId, hostname, pid, version, url, started_at AS startedAt, last_seen AS lastSeen,
  held_polls AS heldPolls, terminals_online AS terminalsOnline`;

/**
 * The statements of NodeHeartbeats and ShopKeys: on SQLite the registry lists this node, and the keys are this node's.
 * @internal: no declaration is written, its statement types cannot be named outside better-sqlite3.
 */
export function prepareClusterRows(sqlite: Database.Database) {
  return {
    saveNodeHeartbeat: sqlite.prepare<[NodeHeartbeat]>(
      `INSERT INTO nodes (node_id, hostname, pid, version, url, started_at, last_seen, held_polls, terminals_online)
       VALUES (:nodeId, :hostname, :pid, :version, :url, :startedAt, :lastSeen, :heldPolls, :terminalsOnline)
       ON CONFLICT (node_id) DO UPDATE SET hostname = excluded.hostname, pid = excluded.pid, version = excluded.version,
         url = excluded.url, started_at = excluded.started_at, last_seen = excluded.last_seen,
         held_polls = excluded.held_polls, terminals_online = excluded.terminals_online`,
    ),
    listNodes: sqlite.prepare<[number], NodeHeartbeat>(`SELECT ${NODE_COLUMNS} FROM nodes WHERE last_seen >= ? ORDER BY node_id`),
    saveShopKey: sqlite.prepare<[ShopKeyDigest]>(
      `INSERT INTO shop_keys (dbname, key_digest, updated_at) VALUES (:dbname, :keyDigest, :updatedAt)
       ON CONFLICT (dbname) DO UPDATE SET key_digest = excluded.key_digest, updated_at = excluded.updated_at`,
    ),
    deleteShopKey: sqlite.prepare<[string]>("DELETE FROM shop_keys WHERE dbname = ?"),
    listShopKeys: sqlite.prepare<[], ShopKeyDigest>("SELECT dbname, key_digest AS keyDigest, updated_at AS updatedAt FROM shop_keys ORDER BY dbname"),
  };
}
