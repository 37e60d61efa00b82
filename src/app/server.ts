import type { AddressInfo } from "node:net";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { hostname } from "node:os";
import { setTimeout as delay } from "node:timers/promises";
import { createBackendPush, type BackendPush } from "../bus/backend-push.ts";
import { Bus, systemClock, type Clock } from "../bus/bus.ts";
import { KnownTerminals } from "../bus/known-terminals.ts";
import { startRetention } from "../bus/retention.ts";
import type { Config } from "../config.ts";
import { idFloorAt } from "../db/id-floor.ts";
import { isPostgresUrl, openStore, openStoreWhenReachable, safeDbName, type WaitOptions } from "../db/open-store.ts";
import type { Store } from "../db/store.ts";
import { createAccess } from "../http/access.ts";
import { Monitor } from "./monitor.ts";
import { startNodeRegistry } from "../console/node-registry.ts";
import { clusterLag, startPresenceSharing } from "../console/shared-presence.ts";
import { databaseWaitListener } from "../http/database-wait.ts";
import { KeyRing } from "../keys/key-ring.ts";
import { FaultRules } from "../faults/fault-rules.ts";
import { phaseTimingFromEnv } from "../metrics/phase-timing.ts";
import { MergeCounters } from "../sync/merge-outcomes.ts";
import { createApp } from "./create-app.ts";
import type { AppDeps } from "./deps.ts";
import type { RouteHooks } from "../http/hooks.ts";
import { createLogger, type Logger } from "../log.ts";
import { createErrorLog } from "../http/error-log.ts";
import { version } from "../version.ts";

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  bus: Bus;
  /** sendToChannelById and sendToAllPoses, for a backend in the same process. */
  push: BackendPush;
  /** The run-time fault rules; only with test features on. */
  faults: FaultRules | undefined;
  /** Metrics, presence and activity (the console's and /metrics' source). */
  monitor: Monitor;
  /** What became of stale updates with POS_SYNC_MERGE on. */
  merges: MergeCounters;
  /** Stops accepting, answers held polls with [], waits for replies in flight (at most `graceMs`), closes the store. */
  close(graceMs?: number): Promise<void>;
}

export interface ServerOptions {
  log?: Logger;
  clock?: Clock;
  /** Observers of every request (src/http/hooks.ts). */
  hooks?: readonly RouteHooks[];
  /** E.g. a faster chart for tests and the screenshot: { historyIntervalMs: 200 }. */
  monitor?: { historyIntervalMs?: number };
  /** Gives up waiting for an unreachable database (a shutdown during the wait): the start then rejects. */
  signal?: AbortSignal;
}

/** Opens the store and builds what the app is made of (also for tests that call the app directly). */
export async function openDeps(config: Config, options: ServerOptions & { wait?: WaitOptions } = {}): Promise<AppDeps> {
  const log = options.log ?? createLogger(config.logLevel);
  const clock = options.clock ?? systemClock;
  const storeOptions = { log, idFloor: idFloorAt(clock.now()) };
  const store = await (options.wait ? openStoreWhenReachable(config, storeOptions, options.wait) : openStore(config, storeOptions));
  const faults = config.testFeatures ? new FaultRules({ clock, log, store }) : undefined;
  const merges = new MergeCounters();
  const phases = phaseTimingFromEnv(process.env);
  const monitor = new Monitor({
    clock,
    pollTimeoutMs: config.pollTimeoutMs,
    heldPolls: () => bus.heldPolls,
    mergeOutcomes: () => merges.snapshot(),
    faultInjections: () => faults?.firedTotal() ?? {},
    behindAfterMs: config.behindAfterMs,
    terminalsLag: (monitor) => clusterLag(store, monitor),
    ...options.monitor,
  });
  const onReadError = (error: unknown) => log.warn({ err: error }, "reading committed notifications failed; retrying");
  const bus = await Bus.open(store, { pollTimeoutMs: config.pollTimeoutMs, observer: monitor.busObserver, onReadError, timing: phases }, clock);
  const keys = new KeyRing(config.keys, store, { clock, log });
  await keys.start();
  const access = createAccess({ databases: keys.digests, backend: config.backendKey });
  const knownTerminals = new KnownTerminals(store, clock, log);
  const push = createBackendPush(bus, knownTerminals);
  const errorLog = createErrorLog(log);
  return { config, store, bus, access, keys, knownTerminals, push, clock, log, monitor, merges, errorLog, faults, phases, hooks: options.hooks ?? [] };
}

/**
 * Opens the store and serves the app on the configured host and port (0 picks a free one);
 * resolves once serving. On PostgreSQL the node listens first and, while its database cannot be
 * reached, answers 503 "database unavailable" (src/http/database-wait.ts) instead of exiting.
 */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  let listener: (req: IncomingMessage, res: ServerResponse) => void = () => undefined;
  const server = createServer((req, res) => listener(req, res));
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
  let wait: WaitOptions | undefined;
  if (isPostgresUrl(config.db)) {
    let reason = "not connected yet";
    listener = databaseWaitListener({ corsOrigins: config.corsOrigins, bodyLimit: config.bodyLimit, reason: () => reason });
    await listen();
    wait = {
      onWait: (error, attempt) => {
        reason = error.message.replace(/^database unavailable: /, "").replace(/; nothing was written, retry later$/, "");
        if (attempt === 1)
          log.warn({ db: safeDbName(config.db), err: error, address: server.address() }, "waiting for the database; answering 503 until it comes");
      },
      signal: options.signal,
    };
  }
  let deps: AppDeps;
  try {
    deps = await openDeps(config, { ...options, log, ...(wait ? { wait } : {}) });
  } catch (error) {
    if (server.listening) await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  const { store, bus, push, clock, access, faults, monitor, merges, keys } = deps;
  const app = createApp(deps);
  const stopRetention = startRetention(bus, clock, { retentionMs: config.retentionMs, intervalMs: config.gcIntervalMs }, log);
  listener = app.listener;
  try {
    if (!server.listening) await listen();
  } catch (error) {
    // Closed cleanly so a failed start leaves no -wal/-shm files behind.
    stopRetention();
    keys?.stop();
    bus.close();
    monitor.close();
    await store.close();
    throw error;
  }
  server.keepAliveTimeout = 65_000;
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
  log.info(
    { url, db: safeDbName(config.db), keyed: access.keyed, testFeatures: config.testFeatures, version, pid: process.pid, hostname: hostname() },
    "listening",
  );

  const nodeRegistry = await startNodeRegistry({ store, monitor, heldPolls: () => bus.heldPolls, url, log });
  const presenceSharing = startPresenceSharing({ store, monitor, log });

  let closing: Promise<void> | undefined;
  const close = (graceMs = 4000) =>
    (closing ??= (async () => {
      stopRetention();
      await nodeRegistry.stop();
      keys?.stop();
      faults?.close();
      monitor.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      bus.close();
      // After the bus answered its held polls: the other consoles then see them end.
      await presenceSharing.stop().catch(() => undefined);
      // Once the replies in flight are written, no connection has anything left to say.
      const deadline = Date.now() + graceMs;
      while (app.inFlight > 0 && Date.now() < deadline) await delay(10);
      await delay(10);
      server.closeAllConnections();
      await closed;
      await store.close();
      log.info("stopped");
    })());

  return { url, port, store, bus, push, faults, monitor, merges, close };
}
