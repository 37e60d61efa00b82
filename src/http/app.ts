import type { IncomingMessage, ServerResponse } from "node:http";
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import type { Logger } from "../log.ts";
import { PROTOCOL_ERROR } from "../protocol/envelope.ts";
import { bearerKey, DirectCaller, headerValue } from "./caller.ts";
import { allowOriginHeaders, corsPreflight } from "./cors.ts";
import type { AppDeps } from "./deps.ts";
import { FrontDoor } from "./front-door.ts";
import { routingPath, withoutKey } from "./paths.ts";
import { protocolErrorReply } from "./replies.ts";
import { createRouteTable } from "./route-table.ts";
import { clientScriptRoutes } from "./routes/client-script.ts";
import { healthRoutes } from "./routes/health.ts";
import { streamRoute } from "./routes/stream.ts";
import { consoleRoutes } from "../console/routes.ts";
import { countRequests } from "../metrics/requests.ts";
import { faultRoutes } from "../faults/routes.ts";
import { keyRoutes } from "../keys/routes.ts";

/** The whole HTTP server, without a socket: src/server.ts listens with `listener`, tests may call `handle`. */
export interface App {
  /** Node's request listener for every request. */
  listener(req: IncomingMessage, res: ServerResponse): void;
  /** One request handed over directly, through the same routes, errors and headers as the listener. */
  handle(request: DirectRequest): Promise<DirectResponse>;
  /** Requests being answered right now (shutdown waits for them). */
  readonly inFlight: number;
}

export interface DirectRequest {
  method: string;
  /** Path and query, e.g. "/k/<key>/longpolling/poll". */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** `status` 0: a route hook dropped the connection. Header names are lower case. */
export interface DirectResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Every route. JSON-RPC POST routes (the route table, also under /k/<key>/) go through the one
 * front door; Hono serves the plain HTTP routes (health, preflights, and anything mounted in
 * plainRoutes). Paths are routed with repeated slashes collapsed, CORS headers are added here
 * for both, and at debug level every request is logged once.
 */
export function createApp(deps: AppDeps): App {
  const { config, log } = deps;
  const frontDoor = new FrontDoor({ routes: createRouteTable(deps), bodyLimit: config.bodyLimit, log, hooks: deps.hooks, errorLog: deps.errorLog });
  const hono = plainRoutes(deps);
  const serveWithHono = getRequestListener(hono.fetch);
  const corsFor = allowOriginHeaders(config.corsOrigins);
  const logRequests = log.isLevelEnabled("debug");
  const stream = streamRoute(
    { bus: deps.bus, access: deps.access, knownTerminals: deps.knownTerminals, presence: deps.monitor.presence, log },
    { maxChannelsPerStream: config.maxChannelsPerPoll, maxStreamsPerClient: config.maxPollsPerClient, heartbeatMs: config.streamHeartbeatMs },
  );
  let inFlight = 0;
  const done = () => void (inFlight -= 1);

  return {
    get inFlight() {
      return inFlight;
    },

    listener(req, res) {
      const url = req.url ?? "/";
      const path = routingPath(url);
      if (logRequests) logWhenDone(log, req, res, path);
      inFlight += 1;
      const streamKey = stream.match(req.method, path);
      if (streamKey !== undefined) {
        stream.serve(req, res, streamKey, corsFor(headerValue(req.headers.origin)), done);
        return;
      }
      const match = frontDoor.match(req.method, path);
      if (match) {
        frontDoor.serve(req, res, match, corsFor(headerValue(req.headers.origin))).then(done, (error: unknown) => {
          done();
          log.error({ err: error, path: match.path }, "request failed");
          res.destroy();
        });
        return;
      }
      // The console's routes are read by its own page only: no CORS headers for them.
      if (req.method !== "OPTIONS" && !isOperatorPath(path))
        for (const [name, value] of Object.entries(corsFor(headerValue(req.headers.origin)))) res.setHeader(name, value);
      if (path !== url) req.url = path + query(url);
      serveWithHono(req, res).then(done, done);
    },

    async handle({ method, path: url, headers = {}, body = "" }) {
      const lowerHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
      const path = routingPath(url);
      const cors = method === "OPTIONS" || isOperatorPath(path) ? {} : corsFor(lowerHeaders.origin);
      const corsLower = Object.fromEntries(Object.entries(cors).map(([name, value]) => [name.toLowerCase(), value]));
      const match = frontDoor.match(method, path);
      if (match) {
        const caller = new DirectCaller(lowerHeaders, match.pathKey || bearerKey(lowerHeaders.authorization));
        const reply = await frontDoor.answerDirect(match, body, caller);
        if (!reply) return { status: 0, headers: {}, body: "" };
        return { status: reply.status, headers: { "content-type": "application/json", ...corsLower }, body: reply.body };
      }
      const hasBody = method !== "GET" && method !== "HEAD";
      const response = await hono.fetch(new Request(`http://app${path}${query(url)}`, { method, headers, ...(hasBody ? { body } : {}) }));
      return { status: response.status, headers: { ...corsLower, ...headersObject(response.headers) }, body: await response.text() };
    },
  };
}

/** The plain HTTP routes, served by Hono. Sub-apps of other features mount here. */
function plainRoutes(deps: AppDeps): Hono {
  const { config, log } = deps;
  const app = new Hono();
  app.use("*", countRequests(deps.monitor.metrics));
  // Before the CORS preflight: operator routes answer no preflight with CORS headers.
  if (deps.keys) app.route("/", keyRoutes({ keys: deps.keys, adminKey: config.adminKey, bodyLimit: config.bodyLimit }));
  app.options("*", corsPreflight(config.corsOrigins));
  app.route("/", consoleRoutes(deps));
  app.route("/", healthRoutes(deps));
  app.route("/", clientScriptRoutes());
  app.route("/", faultRoutes({ faults: deps.faults, adminKey: config.adminKey, bodyLimit: config.bodyLimit }));
  app.notFound((c) => {
    const reply = protocolErrorReply(404, PROTOCOL_ERROR.methodNotFound, `No route ${c.req.method} ${withoutKey(new URL(c.req.url).pathname)}`);
    return c.body(reply.body, 404, { "Content-Type": "application/json" });
  });
  app.onError((error, c) => {
    log.error({ err: error, path: withoutKey(new URL(c.req.url).pathname) }, "request failed");
    const reply = protocolErrorReply(500, PROTOCOL_ERROR.internalError, "Internal error");
    return c.body(reply.body, 500, { "Content-Type": "application/json" });
  });
  return app;
}

function isOperatorPath(path: string): boolean {
  return path === "/metrics" || path === "/console" || path.startsWith("/console/") || path === "/pos_sync/keys" || path.startsWith("/pos_sync/keys/");
}

function query(url: string): string {
  const start = url.indexOf("?");
  return start === -1 ? "" : url.slice(start);
}

function logWhenDone(log: Logger, req: IncomingMessage, res: ServerResponse, path: string): void {
  const started = performance.now();
  res.once("close", () => {
    const ms = +(performance.now() - started).toFixed(2);
    log.debug({ method: req.method, path: withoutKey(path), status: res.writableFinished ? res.statusCode : undefined, ms }, "request");
  });
}

function headersObject(headers: Headers): Record<string, string> {
  const object: Record<string, string> = {};
  headers.forEach((value, name) => {
    object[name] = value;
  });
  return object;
}
