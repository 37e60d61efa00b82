/** pos-sync as a library: run the server in-process and push to terminals from a backend. */
export { startServer, type RunningServer, type ServerOptions } from "./server.ts";
export { loadConfig, parseConfig, ConfigError, type Config, type ConfigInput } from "./config.ts";
export type { BackendPush } from "./bus/backend-push.ts";
export { channelOf } from "./protocol/channels.ts";
export type { Store, StoreTx, Notification } from "./db/store.ts";
export { SqliteStore } from "./db/sqlite/store.ts";
export { PostgresStore } from "./db/postgres/store.ts";
export { openStore } from "./db/open-store.ts";

import type { RunningServer } from "./server.ts";

/** The seed's _send_to_channel_by_id: one notification to ["dbname","channelName","posId"]. */
export function sendToChannelById(server: RunningServer, dbname: string, posId: number | string, channelName: string, message: unknown = "PONG") {
  return server.push.sendToChannelById(dbname, posId, channelName, message);
}

/** The seed's send_to_all_poses: `data` to every terminal the server knows for `dbname`. */
export function sendToAllPoses(server: RunningServer, dbname: string, channelName: string, data: unknown) {
  return server.push.sendToAllPoses(dbname, channelName, data);
}
