import { setTimeout as delay } from "node:timers/promises";
import { Hono } from "hono";
import { z } from "zod";
import { FeatureDisabledError } from "../../errors.ts";
import { applyUpdate } from "../../sync/apply-update.ts";
import { updateRequestSchema } from "../../sync/messages.ts";
import type { AppDeps } from "../app.ts";
import { rpcHandler } from "../rpc-handler.ts";
import { rpcRoute } from "../rpc.ts";

const SLOW_CONNECTION = "slowConnection";

/** Section 5: /pos_multi_session_sync/update and the test-only GC route. */
export function multiSessionRoutes({ bus, access, config, clock, monitor }: AppDeps): Hono {
  const app = new Hono();

  app.post(
    "/pos_multi_session_sync/update",
    rpcHandler(
      rpcRoute(updateRequestSchema, async (params, request) => {
        access.requireDatabases(request, [params.dbname]);
        const result = await applyUpdate(bus, params);
        monitor.updateApplied(params, result);
        // Slow-connection test mode: applied, committed and broadcast already; only this reply waits.
        if (config.testFeatures && request.header("phantomtest") === SLOW_CONNECTION) await delay(config.slowDelayMs);
        return result;
      }),
      config.bodyLimit,
    ),
  );

  app.post(
    "/pos_multi_session/test/gc",
    rpcHandler(
      rpcRoute(z.object({}).loose(), async (_params, request) => {
        if (!config.testFeatures) throw new FeatureDisabledError("Test GC is disabled: start the server with POS_SYNC_TEST_FEATURES=1");
        // It empties the bus of every database: on a shared server only the backend may.
        if (access.keyed) access.requireBackend(request);
        return bus.deleteUpTo(clock.now());
      }),
      config.bodyLimit,
    ),
  );

  return app;
}
