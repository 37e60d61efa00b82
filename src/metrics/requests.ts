import type { MiddlewareHandler } from "hono";
import { REPLY_ERROR_TYPE } from "../http/jsonrpc.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Counts every reply of the Hono app by route pattern and status. The pattern, not the path:
 * paths carry keys (/k/<key>/...) and anything a client invents, patterns are a fixed set.
 */
export function countRequests(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    await next();
    metrics.replied(routeLabel(c.req.method, c.req.routePath, c.res.status), c.res.status, c.get(REPLY_ERROR_TYPE) as string | undefined);
  };
}

function routeLabel(method: string, routePath: string, status: number): string {
  if (method === "OPTIONS") return "preflight";
  if (status === 404 && (routePath === "*" || routePath === "/*")) return "unmatched";
  return routePath.replace(/^\/k\/:key(?=\/)/, "");
}
