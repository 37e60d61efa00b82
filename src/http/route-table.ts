import type { PlainRoute, Route, RpcRoute } from "./route.ts";

export type RouteMatch = { route: RpcRoute; params?: undefined } | { route: PlainRoute; params: Readonly<Record<string, string>> };

interface Pattern {
  method: string;
  segments: readonly string[];
  route: PlainRoute;
}

/**
 * Every route the server has, JSON-RPC and plain alike, by method and path (without the
 * /k/<key> prefix). Exact paths are one map lookup; patterns with `:name` segments are tried in
 * the order given. Built once; it refuses a table that breaks the door's rules.
 */
export class RouteTable {
  private readonly exact = new Map<string, Route>();
  private readonly patterns: Pattern[] = [];

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      if (route.access !== "terminal" && route.cors !== "none") {
        throw new Error(`${route.path}: an operator route never sends CORS headers (docs/architecture.md, "Routes")`);
      }
      const method = route.kind === "rpc" ? "POST" : route.method;
      if (route.path.includes("/:")) {
        this.patterns.push({ method, segments: route.path.split("/"), route: route as PlainRoute });
        continue;
      }
      const key = `${method} ${route.path}`;
      if (this.exact.has(key)) throw new Error(`Two routes for ${key}`);
      this.exact.set(key, route);
    }
  }

  /** The route for `method` and `path`; `keyed`: the path came under /k/<key>, which only terminal routes accept. */
  match(method: string, path: string, keyed: boolean): RouteMatch | undefined {
    const found = this.find(method, path);
    if (!found || (keyed && found.route.access !== "terminal")) return undefined;
    return found;
  }

  /** Any route at `path`, whatever its method: what a preflight asks about. */
  anyAt(path: string): Route | undefined {
    for (const method of ["POST", "GET", "PUT", "DELETE"]) {
      const found = this.find(method, path);
      if (found) return found.route;
    }
    return undefined;
  }

  private find(method: string, path: string): RouteMatch | undefined {
    const exact = this.exact.get(`${method} ${path}`);
    if (exact) return exact.kind === "rpc" ? { route: exact } : { route: exact, params: NO_PARAMS };
    if (this.patterns.length === 0) return undefined;
    const segments = path.split("/");
    for (const pattern of this.patterns) {
      if (pattern.method !== method) continue;
      const params = matchSegments(pattern.segments, segments);
      if (params) return { route: pattern.route, params };
    }
    return undefined;
  }
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

function matchSegments(pattern: readonly string[], path: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== path.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const actual = path[i]!;
    if (expected.startsWith(":")) {
      if (actual === "") return undefined;
      try {
        params[expected.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (expected !== actual) return undefined;
  }
  return params;
}
