import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/** Preflights (OPTIONS): Hono's CORS middleware, answering 204. */
export function corsPreflight(origins: string[]): MiddlewareHandler {
  return cors({
    origin: origins.includes("*") ? "*" : origins,
    allowMethods: ["GET", "POST", "OPTIONS"],
    // No fixed list: the preflight's requested headers are allowed, whatever a POS version sends.
    maxAge: 600,
  });
}

/**
 * The allow-origin header on every other reply, set after the handler. Hono's middleware sets
 * it before, which makes every reply build a second, full web Response: a third of a poll's cost.
 */
export function corsHeaders(origins: string[]): MiddlewareHandler {
  const headersFor = allowOriginHeaders(origins);
  return async (c, next) => {
    await next();
    for (const [name, value] of Object.entries(headersFor(c.req.header("origin")))) c.res.headers.set(name, value);
  };
}

/** The CORS headers of a reply to a request from `origin`. */
export function allowOriginHeaders(origins: string[]): (origin: string | undefined) => Record<string, string> {
  if (origins.includes("*")) {
    const any = { "Access-Control-Allow-Origin": "*" };
    return () => any;
  }
  const refused: Record<string, string> = { Vary: "Origin" };
  return (origin) => (origin && origins.includes(origin) ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : refused);
}
