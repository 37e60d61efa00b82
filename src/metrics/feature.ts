import type { RouteHooks } from "../http/hooks.ts";
import { type Feature, plainRoute } from "../http/route.ts";
import { PLAIN_ROUTES } from "../protocol/routes.ts";
import type { Metrics } from "./metrics.ts";

/** GET /metrics (Prometheus text, admin access, no CORS) and the hook that counts every routed request. */
export function metricsFeature(metrics: Metrics): Feature {
  const countReplies: RouteHooks = {
    // The route path or pattern, never the path as sent: paths carry keys and whatever a client invents.
    finished(call, outcome) {
      metrics.replied(call.route, outcome.status ?? 0, outcome.errorType);
    },
  };
  return {
    hooks: [countReplies],
    routes: [
      plainRoute("GET", PLAIN_ROUTES.metrics, { access: "admin" }, async () => ({
        status: 200,
        headers: { "Content-Type": metrics.contentType, "Cache-Control": "no-store" },
        body: await metrics.text(),
      })),
    ],
  };
}
