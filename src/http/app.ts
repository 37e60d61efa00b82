import { Hono } from "hono";
import type { BackendPush } from "../bus/backend-push.ts";
import type { Bus, Clock } from "../bus/bus.ts";
import type { KnownTerminals } from "../bus/known-terminals.ts";
import type { Config } from "../config.ts";
import type { Monitor } from "../console/monitor.ts";
import { consoleRoutes } from "../console/routes.ts";
import { countRequests } from "../metrics/requests.ts";
import type { Store } from "../db/store.ts";
import type { Logger } from "../log.ts";
import type { Access } from "./access.ts";
import { corsHeaders, corsPreflight } from "./cors.ts";
import { protocolErrorReply, sendReply } from "./jsonrpc.ts";
import { backendRoutes } from "./routes/backend.ts";
import { healthRoutes } from "./routes/health.ts";
import { longpollingRoutes } from "./routes/longpolling.ts";
import { multiSessionRoutes } from "./routes/multi-session.ts";

export interface AppDeps {
  config: Config;
  store: Store;
  bus: Bus;
  access: Access;
  knownTerminals: KnownTerminals;
  push: BackendPush;
  clock: Clock;
  log: Logger;
  monitor: Monitor;
}

/**
 * Every route but POST /longpolling/poll (src/http/native-poll.ts). Every route also answers
 * under /k/<key>/ so a key can ride in the Sync Server URL.
 */
export function createApp(deps: AppDeps): Hono {
  const { config, log } = deps;
  const api = new Hono();
  api.route("/", longpollingRoutes(deps));
  api.route("/", multiSessionRoutes(deps));
  api.route("/", backendRoutes(deps));

  const app = new Hono();
  app.use("*", countRequests(deps.monitor.metrics));
  app.route("/", consoleRoutes(deps)); // before CORS: only the console's own page reads these
  app.options("*", corsPreflight(config.corsOrigins));
  app.use("*", corsHeaders(config.corsOrigins));
  if (log.isLevelEnabled("debug")) {
    app.use("*", async (c, next) => {
      const started = performance.now();
      await next();
      const ms = +(performance.now() - started).toFixed(2);
      log.debug({ method: c.req.method, path: c.req.routePath, status: c.res.status, ms }, "request");
    });
  }
  app.route("/", healthRoutes(deps));
  app.route("/", api);
  app.route("/k/:key", api);
  app.notFound((c) => sendReply(c, protocolErrorReply(404, -32601, `No route ${c.req.method} ${withoutKey(new URL(c.req.url).pathname)}`)));
  app.onError((error, c) => {
    log.error({ err: error, path: c.req.routePath }, "request failed");
    return sendReply(c, protocolErrorReply(500, -32603, "Internal error"));
  });
  return app;
}

function withoutKey(path: string): string {
  return path.replace(/^\/k\/[^/]*/, "/k/<key>");
}
