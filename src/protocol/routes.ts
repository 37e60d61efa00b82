/** Every JSON-RPC path of the protocol. All are POST; each also answers under the key prefix. */
export const ROUTES = {
  poll: "/longpolling/poll",
  send: "/longpolling/send",
  ping: "/pos_longpolling/update",
  multiSessionUpdate: "/pos_multi_session_sync/update",
  testGc: "/pos_multi_session/test/gc",
  backendSendToChannel: "/pos_longpolling/backend/send_to_channel",
  backendSendToAll: "/pos_longpolling/backend/send_to_all",
} as const;

/** The Server-Sent Events stream (GET, also under the key prefix): docs/protocol.md, "Streaming". */
export const STREAM_ROUTE = "/longpolling/stream";

export type RoutePath = (typeof ROUTES)[keyof typeof ROUTES];

/** The plain HTTP paths (not JSON-RPC): health, and the operator routes (docs/console.md). */
export const PLAIN_ROUTES = {
  health: "/healthz",
  metrics: "/metrics",
  console: "/console",
  consoleScript: "/console/app.js",
  consoleApi: "/console/api",
  faults: "/pos_sync/faults",
  keys: "/pos_sync/keys",
  clientScript: "/client.js",
} as const;

/** Keyed mode: `/k/<key>` before any route path carries the key, for clients that can only be given a URL. */
export const KEY_PREFIX = "/k/";

/** The path prefix that presents `key`. */
export function keyPrefix(key: string): string {
  return KEY_PREFIX + encodeURIComponent(key);
}

/** The request header that asks for a slowed reply when test features are on. */
export const SLOW_CONNECTION_HEADER = { name: "phantomtest", value: "slowConnection" } as const;
