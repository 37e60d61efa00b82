import { setTimeout as delay } from "node:timers/promises";
import type { Bus, Clock } from "../../bus/bus.ts";
import type { Monitor } from "../../console/monitor.ts";
import { otherNodesForgot } from "../../console/node-registry.ts";
import type { Store } from "../../db/store.ts";
import { FeatureDisabledError } from "../../errors.ts";
import { testGcParamsSchema, updateRequestSchema } from "../../protocol/messages.ts";
import { ROUTES, SLOW_CONNECTION_HEADER } from "../../protocol/routes.ts";
import { applyUpdate } from "../../sync/apply-update.ts";
import type { Access } from "../access.ts";
import { rpcRoute, type RouteFamily } from "../route.ts";

export interface MultiSessionSettings {
  testFeatures: boolean;
  slowDelayMs: number;
  /** POS_SYNC_MERGE: merge a stale update_order with the changes since its revision when they touch other lines. */
  merge: boolean;
}

/** docs/protocol.md, "Multi-session order sync": /pos_multi_session_sync/update and the test-only GC route. */
export function multiSessionRoutes(
  { bus, store, access, clock, monitor }: { bus: Bus; store: Store; access: Access; clock: Clock; monitor: Monitor },
  settings: MultiSessionSettings,
): RouteFamily {
  return {
    [ROUTES.multiSessionUpdate]: rpcRoute(updateRequestSchema, async (params, caller) => {
      access.requireDatabases(caller, [params.dbname]);
      const result = await applyUpdate(bus, params, { merge: settings.merge, now: clock.now() });
      monitor.updateApplied(params, result);
      // Slow-connection test mode: applied, committed and broadcast already; only this reply waits.
      if (settings.testFeatures && caller.header(SLOW_CONNECTION_HEADER.name) === SLOW_CONNECTION_HEADER.value) await delay(settings.slowDelayMs);
      return result;
    }),

    [ROUTES.testGc]: rpcRoute(testGcParamsSchema, async (_params, caller) => {
      if (!settings.testFeatures) throw new FeatureDisabledError("Test GC is disabled: start the server with POS_SYNC_TEST_FEATURES=1");
      // It empties the bus of every database: on a shared server only the backend may.
      if (access.keyed) access.requireBackend(caller);
      const deleted = await bus.deleteUpTo(clock.now());
      // With several nodes, answered once every node has forgotten them: the original's gap scenario then holds whichever node a terminal polls.
      if (deleted.length > 0) await otherNodesForgot(store, monitor.nodeId);
      return deleted.map((notification) => notification.id);
    }),
  };
}
