import { backendFeature } from "../backend/feature.ts";
import { browserClientFeature } from "../browser-client/feature.ts";
import { otherNodesForgot } from "../console/node-registry.ts";
import { consoleFeature } from "../console/feature.ts";
import { faultsFeature } from "../faults/feature.ts";
import { healthFeature } from "../health/feature.ts";
import { keysFeature } from "../keys/feature.ts";
import { type App, createDoor } from "../http/door.ts";
import type { Feature } from "../http/route.ts";
import { longpollingFeature, type PollObserver } from "../longpolling/feature.ts";
import { metricsFeature } from "../metrics/feature.ts";
import { phaseTimingObservers } from "../metrics/phase-timing.ts";
import { syncFeature } from "../sync/feature.ts";
import type { AppDeps } from "./deps.ts";

export type { App } from "../http/door.ts";

/**
 * The composition root: which features plug into the door, each given only what it uses, and
 * nothing else. Hooks run in this order: request metrics first, then the features', then fault
 * rules last, so a fault's delay is inside what the metrics measure.
 */
export function createApp(deps: AppDeps): App {
  const { config, monitor } = deps;
  const phases = deps.phases ? phaseTimingObservers(deps.phases) : undefined;
  const pollObservers: PollObserver[] = [...(phases ? [phases.poll] : []), monitor.presence];
  const features: Feature[] = [
    metricsFeature(monitor.metrics),
    longpollingFeature(
      { bus: deps.bus, access: deps.access, knownTerminals: deps.knownTerminals, observers: pollObservers },
      { maxChannelsPerPoll: config.maxChannelsPerPoll, maxPollsPerClient: config.maxPollsPerClient, streamHeartbeatMs: config.streamHeartbeatMs },
    ),
    syncFeature(
      {
        bus: deps.bus,
        access: deps.access,
        clock: deps.clock,
        observers: [(applied) => monitor.updateApplied(applied.request, applied.result), (applied) => applied.merge && deps.merges.count(applied.merge)],
        othersForgot: () => otherNodesForgot(deps.store, monitor.nodeId),
      },
      { testFeatures: config.testFeatures, slowDelayMs: config.slowDelayMs, merge: config.merge },
    ),
    backendFeature({ access: deps.access, push: deps.push }),
    healthFeature({ store: deps.store, bus: deps.bus }),
    browserClientFeature(),
    ...(deps.keys ? [keysFeature(deps.keys)] : []),
    consoleFeature({ config, store: deps.store, bus: deps.bus, monitor }),
    { routes: [], hooks: [...(phases ? [phases.hooks] : []), ...(deps.hooks ?? [])] },
    faultsFeature(deps.faults),
  ];
  return createDoor({
    routes: features.flatMap((feature) => feature.routes),
    hooks: features.flatMap((feature) => feature.hooks ?? []),
    corsOrigins: config.corsOrigins,
    bodyLimit: config.bodyLimit,
    operatorKeys: { adminKey: config.adminKey, databases: deps.keys?.digests ?? config.keys },
    log: deps.log,
    errorLog: deps.errorLog,
  });
}
