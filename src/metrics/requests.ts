import type { MiddlewareHandler } from "hono";
import type { RouteHooks } from "../http/hooks.ts";
import type { Metrics } from "./metrics.ts";

/** Counts every JSON-RPC reply of the front door by route and status, and its error kind. */
export function requestMetricsHooks(metrics: Metrics): RouteHooks {
  return {
    finished(call, outcome) {
      metrics.replied(call.route, outcome.status ?? 0, outcome.errorType);
    },
  };
}

/**
 * Counts every reply of the plain (Hono) routes by route pattern and status. The pattern, not the
 * path: paths carry keys (/k/<key>/...) and anything a client invents, patterns are a fixed set.
 */
export function countRequests(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const status = c.res.status;
    metrics.replied(routeLabel(c.req.method, c.req.routePath, status), status, status === 404 ? "no_route" : status >= 500 ? "internal_error" : undefined);
  };
}

function routeLabel(method: string, routePath: string, status: number): string {
  if (method === "OPTIONS") return "preflight";
  if (status === 404 && (routePath === "*" || routePath === "/*")) return "unmatched";
  return routePath.replace(/^\/k\/:key(?=\/)/, "");
}
