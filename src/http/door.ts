import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../log.ts";
import { PROTOCOL_ERROR } from "../protocol/envelope.ts";
import { bearerKey } from "./caller.ts";
import { createCors } from "./cors.ts";
import type { ErrorLog } from "./error-log.ts";
import { DirectExchange, type DirectResponse, type Exchange, NodeExchange } from "./exchange.ts";
import type { RouteHooks } from "./hooks.ts";
import { FOREIGN_ORIGIN, isForeignOrigin, operatorAccess, type OperatorKeys } from "./operator-access.ts";
import { routingPath, splitKeyPrefix, withoutKey } from "./paths.ts";
import { isExpectedError, plainErrorReply, protocolErrorReply } from "./replies.ts";
import { RequestContext } from "./request-context.ts";
import type { PlainReply, PlainRequest, PlainRoute, Route, StreamReply } from "./route.ts";
import { RouteTable } from "./route-table.ts";
import { RpcCalls } from "./rpc-calls.ts";

export type { DirectResponse } from "./exchange.ts";

/** The whole HTTP server, without a socket: src/main.ts listens with `listener`, tests may call `handle`. */
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

export interface DoorOptions {
  routes: readonly Route[];
  /** Observers of every request, in order (metrics, fault rules, ...). */
  hooks: readonly RouteHooks[];
  corsOrigins: readonly string[];
  bodyLimit: number;
  /** The keys of operator access. */
  operatorKeys: OperatorKeys;
  log: Logger;
  errorLog?: ErrorLog | undefined;
}

/**
 * The one front door: every request, JSON-RPC or plain, is routed here through one route table.
 * The door owns the key prefix, CORS (from each route's `cors`), operator access (from each
 * route's `access`), the error replies (one shape per kind of route, src/http/replies.ts) and
 * the hooks. It knows no feature: the composition root (src/app/) hands it the routes and hooks.
 * Paths are routed with repeated slashes collapsed; at debug level every request is logged once.
 */
export function createDoor(options: DoorOptions): App {
  const { log, hooks, bodyLimit } = options;
  const table = new RouteTable(options.routes);
  const rpc = new RpcCalls({ bodyLimit, log, hooks, errorLog: options.errorLog });
  const cors = createCors(options.corsOrigins);
  const checkOperator = operatorAccess(options.operatorKeys);
  const logRequests = log.isLevelEnabled("debug");
  let inFlight = 0;
  const done = () => void (inFlight -= 1);

  function serve(exchange: Exchange): Promise<void> {
    const url = exchange.url;
    const { key, route: path } = splitKeyPrefix(routingPath(url));
    const keyed = key !== undefined;
    exchange.key = key || bearerKey(exchange.header("authorization"));
    const method = exchange.method;
    if (method === "OPTIONS") return Promise.resolve(preflight(exchange, path, keyed));
    const match = table.match(method, path, keyed);
    if (match === undefined) return Promise.resolve(noRoute(exchange, method, path, keyed));
    if (match.route.kind === "rpc") {
      const allowed = match.route.cors === "allow" ? cors.allowOrigin(exchange.header("origin")) : NO_HEADERS;
      return rpc.serve(exchange, match.route, keyed, allowed);
    }
    return servePlain(exchange, match.route, match.params ?? {}, path, keyed, url);
  }

  /**
   * A preflight: 204, with CORS headers only when the route at that path allows them. At an
   * operator route a foreign Origin is refused outright (403), as its requests would be.
   */
  function preflight(exchange: Exchange, path: string, keyed: boolean): void {
    const route = table.anyAt(path);
    if (route && route.access !== "terminal" && isForeignOrigin(exchange.header("origin"), exchange.header("host"))) {
      exchange.send(403, { "Content-Type": "application/json", "Cache-Control": "no-store" }, JSON.stringify({ error: FOREIGN_ORIGIN }));
      new RequestContext("preflight", exchange, keyed).finish(hooks, 403, "access_denied");
      return;
    }
    const headers = route?.cors === "none" ? {} : cors.preflight(exchange.header("origin"), exchange.header("access-control-request-headers"));
    exchange.send(204, headers, "");
    new RequestContext("preflight", exchange, keyed).finish(hooks, 204);
  }

  function noRoute(exchange: Exchange, method: string, path: string, keyed: boolean): void {
    const reply = protocolErrorReply(404, PROTOCOL_ERROR.methodNotFound, `No route ${method} ${keyed ? "/k/<key>" : ""}${path}`);
    exchange.send(404, { "Content-Type": "application/json", ...cors.allowOrigin(exchange.header("origin")) }, reply.body);
    new RequestContext("unmatched", exchange, keyed).finish(hooks, 404, reply.errorType);
  }

  async function servePlain(
    exchange: Exchange,
    route: PlainRoute,
    params: Readonly<Record<string, string>>,
    path: string,
    keyed: boolean,
    url: string,
  ): Promise<void> {
    const context = new RequestContext(route.path, exchange, keyed);
    const corsHeaders = route.cors === "allow" ? cors.allowOrigin(exchange.header("origin")) : NO_HEADERS;
    let reply: PlainReply | StreamReply;
    try {
      const viewer =
        route.access === "terminal"
          ? undefined
          : checkOperator(route.access, {
              authorization: exchange.header("authorization"),
              clientAddress: exchange.clientAddress,
              origin: exchange.header("origin"),
              host: exchange.header("host"),
            });
      const request: PlainRequest = {
        method: exchange.method,
        path,
        params,
        query: new URLSearchParams(queryOf(url)),
        caller: exchange,
        viewer,
        text: async () => exchange.body(bodyLimit),
      };
      reply = await route.handle(request);
    } catch (error) {
      if (!isExpectedError(error)) log.error({ err: error, path: withoutKey(path) }, "request failed");
      const failed = plainErrorReply(error);
      if (!exchange.gone) exchange.send(failed.status, { "Content-Type": "application/json", "Cache-Control": "no-store", ...corsHeaders }, failed.body);
      context.finish(hooks, failed.status, failed.errorType);
      return;
    }
    if (exchange.gone) return context.finish(hooks, undefined);
    if ("start" in reply) {
      const sink = exchange.open(reply.status, { ...reply.headers, ...corsHeaders });
      sink.onClose(finishOnClose(context, hooks, reply.status));
      reply.start(sink);
      return;
    }
    exchange.send(reply.status, { ...reply.headers, ...corsHeaders }, reply.body);
    context.finish(hooks, reply.status, reply.status >= 500 ? "internal_error" : undefined);
  }

  return {
    get inFlight() {
      return inFlight;
    },

    listener(req, res) {
      const exchange = new NodeExchange(req, res);
      if (logRequests) logWhenDone(log, req, res);
      inFlight += 1;
      serve(exchange).then(done, (error: unknown) => {
        done();
        log.error({ err: error, path: withoutKey(routingPath(exchange.url)) }, "request failed");
        res.destroy();
      });
    },

    async handle({ method, path, headers = {}, body = "" }) {
      const exchange = new DirectExchange(method, path, headers, body);
      await serve(exchange);
      return exchange.response;
    },
  };
}

/** Outside servePlain: a closure there would keep its whole scope (the reply among it) for as long as the stream is open. */
function finishOnClose(context: RequestContext, hooks: readonly RouteHooks[], status: number): () => void {
  return () => context.finish(hooks, status);
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

function queryOf(url: string): string {
  const start = url.indexOf("?");
  return start === -1 ? "" : url.slice(start + 1);
}

function logWhenDone(log: Logger, req: IncomingMessage, res: ServerResponse): void {
  const started = performance.now();
  res.once("close", () => {
    const ms = +(performance.now() - started).toFixed(2);
    log.debug({ method: req.method, path: withoutKey(routingPath(req.url ?? "/")), status: res.writableFinished ? res.statusCode : undefined, ms }, "request");
  });
}
