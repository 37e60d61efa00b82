import type { Bus } from "../bus/bus.ts";
import type { Store } from "../db/store.ts";
import { type Feature, jsonReply, plainRoute } from "../http/route.ts";
import { PLAIN_ROUTES } from "../protocol/routes.ts";
import { version } from "../version.ts";

/** GET /healthz: whether the database answers, and how many polls are held. Public, with CORS. */
export function healthFeature({ store, bus }: { store: Pick<Store, "kind" | "isHealthy" | "listening">; bus: Bus }): Feature {
  return {
    routes: [
      plainRoute("GET", PLAIN_ROUTES.health, { access: "terminal", cors: "allow" }, async () => {
        const database = await Promise.resolve(store.isHealthy()).catch(() => false);
        // Several nodes: a node that cannot hear the others' commits would hold polls it never wakes.
        const listening = store.listening?.();
        const ok = database && listening !== false;
        return jsonReply(
          {
            status: ok ? "ok" : "unavailable",
            store: store.kind,
            database,
            ...(listening === undefined ? {} : { listening }),
            heldPolls: bus.heldPolls,
            version,
          },
          ok ? 200 : 503,
        );
      }),
    ],
  };
}
