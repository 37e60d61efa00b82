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
 * The CORS headers of every other reply, to a request from `origin`. Set by the app's listener
 * rather than Hono's middleware, which makes every reply build a second, full web Response.
 */
export function allowOriginHeaders(origins: string[]): (origin: string | undefined) => Readonly<Record<string, string>> {
  if (origins.includes("*")) {
    const any = { "Access-Control-Allow-Origin": "*" };
    return () => any;
  }
  const refused: Record<string, string> = { Vary: "Origin" };
  return (origin) => (origin && origins.includes(origin) ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : refused);
}
