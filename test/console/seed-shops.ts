import type { PresenceRow } from "../../src/db/store.ts";
import { channelOf } from "../../src/protocol/channels.ts";
import type { TestServer } from "../helpers/server.ts";
import { runSqlOn } from "../helpers/test-store.ts";

/**
 * What the console reads of many shops, written straight into a test server's database and
 * presence: no terminal polls, so a thousand shops take a second, not minutes.
 */
export interface ShopSeed {
  dbname: string;
  /** Terminals 1..terminals, registered by sync_all and spread over the multi-sessions. */
  terminals: number;
  /** Multi-sessions 1..sessions (1 when absent). */
  sessions?: number;
  /** Pos ids never seen polling: offline. Every other terminal holds a poll now. */
  offline?: readonly number[];
  /** Edits refused in the last hour, and more than an hour ago (which count as no problem). */
  refusedLastHour?: number;
  refusedEarlier?: number;
}

export const OTHER_NODE = "seeded-other-node";
const ROWS_PER_INSERT = 500;

/**
 * Seeds `shops`. With `otherNode` (a store other nodes share), the polls of every other shop's
 * terminals are held by a second node whose presence rows and heartbeat are written as it would
 * write them (kept alive until the returned stop()); the rest are held by `server` itself.
 */
export async function seedShops(server: TestServer, shops: readonly ShopSeed[], options: { otherNode?: boolean } = {}): Promise<() => void> {
  const now = Date.now();
  const sessions: string[] = [];
  const terminals: string[] = [];
  const known: string[] = [];
  const refused: string[] = [];
  const refusal = (dbname: string, multiSessionId: number, at: number, n: number) =>
    `('${dbname}', ${multiSessionId}, 'order-${n}', 'update_order', 'revision_error', '{"data":{}}', 1, ${at})`;
  for (const shop of shops) {
    const sessionCount = shop.sessions ?? 1;
    for (let id = 1; id <= sessionCount; id++) sessions.push(`('${shop.dbname}', ${id}, 1, 0)`);
    for (let posId = 1; posId <= shop.terminals; posId++) {
      terminals.push(`('${shop.dbname}', ${posId}, ${((posId - 1) % sessionCount) + 1}, ${posId}, 1)`);
      known.push(`('${shop.dbname}', '${posId}', ${now})`);
    }
    for (let n = 0; n < (shop.refusedLastHour ?? 0); n++) refused.push(refusal(shop.dbname, 1, now - 60_000 * (n + 1), n));
    for (let n = 0; n < (shop.refusedEarlier ?? 0); n++) refused.push(refusal(shop.dbname, 1, now - 2 * 3600_000, 1000 + n));
  }
  const inserts = [
    ...insertsOf("multi_sessions (dbname, multi_session_id, run_id, order_id)", sessions),
    ...insertsOf("terminals (dbname, pos_id, multi_session_id, user_id, message_id)", terminals),
    ...insertsOf("known_terminals (dbname, pos_id, last_seen)", known),
    ...insertsOf("refused_edits (dbname, multi_session_id, uid, action, reason, message, user_id, at)", refused),
  ];
  await runSqlOn(server.dbPath, inserts.join(";\n"));

  const otherRows: PresenceRow[] = [];
  shops.forEach((shop, index) => {
    const byOtherNode = options.otherNode && index % 2 === 1;
    for (let posId = 1; posId <= shop.terminals; posId++) {
      if (shop.offline?.includes(posId)) continue;
      if (byOtherNode) otherRows.push(presenceRow(shop.dbname, String(posId), now));
      else server.monitor.presence.pollStarted([channelOf(shop.dbname, "pos.multi_session", posId)], "127.0.0.1");
    }
  });
  if (otherRows.length === 0) return () => undefined;
  const store = server.store;
  if (!store.savePresence) throw new Error("otherNode needs a store other nodes share");
  await store.savePresence(otherRows);
  const beat = () =>
    store.saveNodeHeartbeat({
      nodeId: OTHER_NODE,
      hostname: "other-host",
      pid: 1,
      version: "0.0.0",
      url: "http://127.0.0.1:1",
      startedAt: now,
      lastSeen: Date.now(),
      heldPolls: otherRows.length,
      terminalsOnline: otherRows.length,
    });
  await beat();
  // A node is alive while its heartbeat is younger than 15 s: beat as a node does, every 5 s.
  const timer = setInterval(() => void beat(), 5000);
  return () => clearInterval(timer);
}

function insertsOf(table: string, rows: readonly string[]): string[] {
  const statements: string[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    statements.push(`INSERT INTO ${table} VALUES ${rows.slice(start, start + ROWS_PER_INSERT).join(", ")}`);
  }
  return statements;
}

function presenceRow(dbname: string, posId: string, now: number): PresenceRow {
  return {
    dbname,
    posId,
    nodeId: OTHER_NODE,
    heldPolls: 1,
    lastPollAt: now,
    lastPingAt: null,
    lastPongAt: null,
    clientAddress: "10.0.0.9",
    deliveredId: 0,
    acknowledgedId: 0,
    unacknowledged: 0,
    unacknowledgedSince: null,
    updatedAt: now,
  };
}
