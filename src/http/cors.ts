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
  const any = origins.includes("*");
  return async (c, next) => {
    await next();
    if (any) {
      c.res.headers.set("Access-Control-Allow-Origin", "*");
      return;
    }
    const origin = c.req.header("origin");
    if (origin && origins.includes(origin)) c.res.headers.set("Access-Control-Allow-Origin", origin);
    c.res.headers.append("Vary", "Origin");
  };
}
