import type { AppDeps } from "./deps.ts";
import type { RouteFamily, RpcRoute } from "./route.ts";
import { backendRoutes } from "./routes/backend.ts";
import { longpollingRoutes } from "./routes/longpolling.ts";
import { multiSessionRoutes } from "./routes/multi-session.ts";

/** Route path (without the key prefix) -> route: every JSON-RPC route the server has. */
export type RouteTable = ReadonlyMap<string, RpcRoute>;

/** Every family, each given only the settings it uses. */
export function createRouteTable(deps: AppDeps): RouteTable {
  const { config } = deps;
  const families: RouteFamily[] = [
    longpollingRoutes(deps, { maxChannelsPerPoll: config.maxChannelsPerPoll, maxPollsPerClient: config.maxPollsPerClient }),
    multiSessionRoutes(deps, { testFeatures: config.testFeatures, slowDelayMs: config.slowDelayMs, merge: config.merge }),
    backendRoutes(deps),
  ];
  return new Map(families.flatMap((family) => Object.entries(family) as [string, RpcRoute][]));
}
