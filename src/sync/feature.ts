import { setTimeout as delay } from "node:timers/promises";
import type { Bus, Clock } from "../bus/bus.ts";
import { FeatureDisabledError } from "../errors.ts";
import type { Access } from "../http/access.ts";
import type { RouteHooks } from "../http/hooks.ts";
import { type Feature, rpcRoute } from "../http/route.ts";
import { testGcParamsSchema, type UpdateRequest, updateRequestSchema } from "../protocol/messages.ts";
import { ROUTES, SLOW_CONNECTION_HEADER } from "../protocol/routes.ts";
import { type Applied, applyUpdate } from "./apply-update.ts";

/** An applied update, left on its route context for the observers. */
export interface UpdateApplied extends Applied {
  request: UpdateRequest;
}

declare module "../http/hooks.ts" {
  interface RouteOutcome {
    /** Set by /pos_multi_session_sync/update once the update is committed. */
    sync?: UpdateApplied;
  }
}

export interface SyncSettings {
  testFeatures: boolean;
  slowDelayMs: number;
  /** POS_SYNC_MERGE: merge a stale update_order with the changes since its revision when they touch other lines. */
  merge: boolean;
}

export interface SyncDeps {
  bus: Bus;
  access: Access;
  clock: Clock;
  /** Told of every committed update once its reply is written (console activity, merge counters). */
  observers: readonly ((applied: UpdateApplied) => void)[];
  /** With several nodes: resolves once every other node has forgotten what this one deleted. */
  othersForgot?: () => Promise<unknown>;
}

/** docs/protocol.md, "Multi-session order sync": /pos_multi_session_sync/update and the test-only GC route. */
export function syncFeature({ bus, access, clock, observers, othersForgot }: SyncDeps, settings: SyncSettings): Feature {
  const observe: RouteHooks = {
    finished(call) {
      const applied = call.outcome.sync;
      if (applied) for (const observer of observers) observer(applied);
    },
  };
  return {
    hooks: [observe],
    routes: [
      rpcRoute(ROUTES.multiSessionUpdate, updateRequestSchema, async (params, call) => {
        access.requireDatabases(call.caller, [params.dbname]);
        const applied = await applyUpdate(bus, params, { merge: settings.merge, now: clock.now() });
        call.outcome.sync = { ...applied, request: params };
        // Slow-connection test mode: applied, committed and broadcast already; only this reply waits.
        if (settings.testFeatures && call.caller.header(SLOW_CONNECTION_HEADER.name) === SLOW_CONNECTION_HEADER.value) await delay(settings.slowDelayMs);
        return applied.result;
      }),

      rpcRoute(ROUTES.testGc, testGcParamsSchema, async (_params, call) => {
        if (!settings.testFeatures) throw new FeatureDisabledError("Test GC is disabled: start the server with POS_SYNC_TEST_FEATURES=1");
        // It empties the bus of every database: on a shared server only the backend may.
        if (access.keyed) access.requireBackend(call.caller);
        const deleted = await bus.deleteUpTo(clock.now());
        // With several nodes, answered once every node has forgotten them: the original's gap scenario then holds whichever node a terminal polls.
        if (deleted.length > 0 && othersForgot) await othersForgot();
        return deleted.map((notification) => notification.id);
      }),
    ],
  };
}
