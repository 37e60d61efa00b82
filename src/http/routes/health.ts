import { Hono } from "hono";
import type { Bus } from "../../bus/bus.ts";
import type { Store } from "../../db/store.ts";
import { version } from "../../version.ts";

/** GET /healthz: whether the database answers, and how many polls are held. */
export function healthRoutes({ store, bus }: { store: Store; bus: Bus }): Hono {
  const app = new Hono();
  app.get("/healthz", async (c) => {
    const database = await Promise.resolve(store.isHealthy()).catch(() => false);
    // Several nodes: a node that cannot hear the others' commits would hold polls it never wakes.
    const listening = store.listening?.();
    const ok = database && listening !== false;
    return c.json(
      { status: ok ? "ok" : "unavailable", store: store.kind, database, ...(listening === undefined ? {} : { listening }), heldPolls: bus.heldPolls, version },
      ok ? 200 : 503,
    );
  });
  return app;
}
