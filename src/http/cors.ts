/**
 * CORS for the routes that allow it (terminal routes: a POS page on another origin calls them).
 * Operator routes never get any of these headers; the door decides which is which from each
 * route's `cors`.
 */
export interface Cors {
  /** The headers of a reply to a request from `origin`. */
  allowOrigin(origin: string | undefined): Readonly<Record<string, string>>;
  /** The headers of a preflight's 204, from its Origin and Access-Control-Request-Headers. */
  preflight(origin: string | undefined, requestedHeaders: string | undefined): Record<string, string>;
}

export function createCors(origins: readonly string[]): Cors {
  const any = origins.includes("*");
  const anyHeaders = { "Access-Control-Allow-Origin": "*" };
  const refused: Record<string, string> = { Vary: "Origin" };
  const allowOrigin = any
    ? () => anyHeaders
    : (origin: string | undefined) => (origin && origins.includes(origin) ? { "Access-Control-Allow-Origin": origin, Vary: "Origin" } : refused);
  return {
    allowOrigin,
    preflight(origin, requestedHeaders) {
      const headers: Record<string, string> = {
        ...allowOrigin(origin),
        "Access-Control-Max-Age": "600",
        "Access-Control-Allow-Methods": "GET,POST,OPTIONS",
      };
      // No fixed list: the preflight's requested headers are allowed, whatever a POS version sends.
      if (requestedHeaders) {
        headers["Access-Control-Allow-Headers"] = requestedHeaders;
        headers.Vary = headers.Vary ? `${headers.Vary}, Access-Control-Request-Headers` : "Access-Control-Request-Headers";
      }
      return headers;
    },
  };
}
