import { FeatureDisabledError, NotFoundError } from "../errors.ts";
import type { RouteHooks } from "../http/hooks.ts";
import { type Feature, jsonBody, jsonReply, plainRoute } from "../http/route.ts";
import { PLAIN_ROUTES } from "../protocol/routes.ts";
import type { FaultRules } from "./fault-rules.ts";
import type { FaultInjection } from "./injection.ts";

const PATH = PLAIN_ROUTES.faults;

declare module "../http/hooks.ts" {
  interface RouteOutcome {
    /** The fault decided for this call once its params were valid; its reply effect applies before the reply. */
    fault?: FaultInjection;
  }
}

/**
 * POST/GET/DELETE /pos_sync/faults[/<id>] (docs/qa-and-faults.md): plain JSON, not JSON-RPC, `qa`
 * access (the admin key, or loopback without one), no CORS. Bad rules get HTTP 400 with
 * `{"error": "<field>: <why>", "field": "<field>"}`. Without test features (`faults` undefined)
 * every fault route answers 404 and no hook is added.
 */
export function faultsFeature(faults: FaultRules | undefined): Feature {
  const rules = (): FaultRules => {
    if (!faults) throw new FeatureDisabledError("fault rules are a test feature: start the server with POS_SYNC_TEST_FEATURES=1");
    return faults;
  };
  return {
    hooks: faults ? [faultHooks(faults)] : [],
    routes: [
      plainRoute("POST", PATH, { access: "qa" }, async (request) => {
        const active = rules();
        const rule = await active.add(await jsonBody(request, "rule", "rule: the body is not valid JSON"));
        return jsonReply({ id: rule.id, rule }, 201);
      }),
      plainRoute("GET", PATH, { access: "qa" }, async () => {
        const active = rules();
        return jsonReply({ rules: await active.list(), fired_total: active.firedTotal() });
      }),
      plainRoute("DELETE", PATH, { access: "qa" }, async () => jsonReply({ deleted: await rules().clear() })),
      plainRoute("DELETE", `${PATH}/:id`, { access: "qa" }, async (request) => {
        const id = request.params.id ?? "";
        if (!(await rules().remove(id))) throw new NotFoundError(`no fault rule with id ${JSON.stringify(id)}`);
        return jsonReply({ deleted: 1 });
      }),
    ],
  };
}

/** Fault rules at the door's hook points: decided once the params are valid, applied before handling and before the reply. */
function faultHooks(faults: FaultRules): RouteHooks {
  return {
    async beforeHandle(call) {
      const injection = await faults.decide(call.route, call.params);
      if (!injection) return;
      call.outcome.fault = injection;
      await injection.beforeHandling(call);
    },
    async beforeReply(call, reply) {
      await call.outcome.fault?.beforeReply(reply, call);
    },
  };
}
