import type { ConfigInput } from "../config.ts";

/** One line per setting for `--help`; the variable, flag and default come from src/config.ts. */
export const settingDescriptions = {
  host: "address to listen on (0.0.0.0 for a shop LAN)",
  port: "port (0 picks a free one)",
  db: "SQLite file (folders are created) or :memory:, or a postgres:// URL",
  dbSynchronous: "normal: a confirmed write survives the process being killed; full: also a power cut",
  pollTimeout: "seconds a poll is held; also how far back a poll with last=0 looks",
  retention: "seconds notifications are kept at least",
  gcInterval: "seconds between retention clean-ups",
  bodyLimit: "largest request body in bytes (larger: HTTP 413)",
  corsOrigins: "comma-separated origins allowed to call from a browser (* or scheme://host[:port])",
  testFeatures: "slow-connection mode and test GC (the flag alone means on)",
  slowDelayMs: "how long a slowed reply waits, in milliseconds",
  logLevel: "fatal error warn info debug trace silent; JSON lines on stdout",
  keys: "db1:key1,db2:key2: keyed mode, a key per database",
  keyFile: 'JSON file {"databases": {"db1": "key1"}, "backend": "key"} (keep it mode 600)',
  backendKey: "key for the backend routes (/longpolling/send, backend push)",
  maxChannelsPerPoll: "channels one poll or stream may name",
  maxPollsPerClient: "polls one client address may hold at once, and streams it may keep open",
  behindAfter: "seconds a terminal may leave a notification unacknowledged before the console and /metrics call it behind",
  streamHeartbeat: "seconds between keep-alive comments on an idle stream (at most 25)",
  adminKey: "opens the operator routes (console, metrics, fault rules) as Authorization: Bearer; without it they answer on loopback only",
  merge: "merge concurrent edits of different lines of an order instead of refusing the stale one (the flag alone means on)",
  pgPoolSize: "PostgreSQL only: connections each node keeps for requests (plus one of its own for LISTEN)",
  pgStatementTimeoutMs: "PostgreSQL only: a statement, or the wait for a connection, taking longer fails the request (milliseconds)",
} as const satisfies Record<keyof ConfigInput, string>;
