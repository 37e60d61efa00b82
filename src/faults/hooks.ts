import type { RouteContext, RouteHooks } from "../http/hooks.ts";
import type { FaultRules } from "./fault-rules.ts";
import type { FaultInjection } from "./injection.ts";

/** Fault rules at the front door's hook points: decided once the params are valid, applied before handling and before the reply. */
export function faultHooks(faults: FaultRules): RouteHooks {
  const injections = new WeakMap<RouteContext, FaultInjection>();
  return {
    async beforeHandle(call) {
      const injection = await faults.decide(call.route, call.params);
      if (!injection) return;
      injections.set(call, injection);
      await injection.beforeHandling(call);
    },
    async beforeReply(call, reply) {
      await injections.get(call)?.beforeReply(reply, call);
    },
  };
}
