import type { AddressInfo } from "node:net";
import { createServer } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { getRequestListener } from "@hono/node-server";
import { createBackendPush, type BackendPush } from "./bus/backend-push.ts";
import { Bus, systemClock, type Clock } from "./bus/bus.ts";
import { KnownTerminals } from "./bus/known-terminals.ts";
import { startRetention } from "./bus/retention.ts";
import type { Config } from "./config.ts";
import { openStore, safeDbName } from "./db/open-store.ts";
import type { Store } from "./db/store.ts";
import { createAccess } from "./http/access.ts";
import { createApp } from "./http/app.ts";
import { nativePollListener } from "./http/native-poll.ts";
import { pollRoute } from "./http/routes/longpolling.ts";
import { createLogger, type Logger } from "./log.ts";

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  bus: Bus;
  /** sendToChannelById and sendToAllPoses, for a backend in the same process. */
  push: BackendPush;
  /** Stops accepting, answers held polls with [], waits for replies in flight (at most `graceMs`), closes the store. */
  close(graceMs?: number): Promise<void>;
}

export interface ServerOptions {
  log?: Logger;
  clock?: Clock;
}

/** Opens the store and serves the app on the configured host and port (0 picks a free one). */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const store = await openStore(config, log);
  const onReadError = (error: unknown) => log.warn({ err: error }, "reading committed notifications failed; retrying");
  const bus = await Bus.open(store, { pollTimeoutMs: config.pollTimeout * 1000, onReadError }, clock);
  const access = createAccess({ databases: config.keys, backend: config.backendKey });
  const knownTerminals = new KnownTerminals(store, clock);
  const push = createBackendPush(bus, knownTerminals);
  const deps = { config, store, bus, access, knownTerminals, push, clock, log };
  const app = createApp(deps);
  const servePoll = nativePollListener(pollRoute(deps), { bodyLimit: config.bodyLimit, corsOrigins: config.corsOrigins, log });
  const stopRetention = startRetention(bus, clock, { retentionMs: config.retention * 1000, intervalMs: config.gcInterval * 1000 }, log);

  let inFlight = 0;
  const fetch = async (request: Request, env: unknown) => {
    inFlight += 1;
    try {
      return await app.fetch(request, env);
    } finally {
      inFlight -= 1;
    }
  };
  const serveWithHono = getRequestListener(fetch);
  const server = createServer((req, res) => {
    const polling = servePoll(req, res);
    if (!polling) return void serveWithHono(req, res);
    inFlight += 1;
    void polling.finally(() => (inFlight -= 1));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  log.info({ url, db: safeDbName(config.db), keyed: access.keyed, testFeatures: config.testFeatures }, "listening");

  let closing: Promise<void> | undefined;
  const close = (graceMs = 4000) =>
    (closing ??= (async () => {
      stopRetention();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      bus.close();
      // Once the replies in flight are written, no connection has anything left to say.
      const deadline = Date.now() + graceMs;
      while (inFlight > 0 && Date.now() < deadline) await delay(10);
      await delay(10);
      server.closeAllConnections();
      await closed;
      await store.close();
      log.info("stopped");
    })());

  return { url, port, store, bus, push, close };
}
