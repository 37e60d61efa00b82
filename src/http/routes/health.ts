import { Hono } from "hono";
import type { AppDeps } from "../app.ts";

export function healthRoutes({ store, bus }: AppDeps): Hono {
  const app = new Hono();
  app.get("/healthz", async (c) => {
    const database = await Promise.resolve(store.isHealthy()).catch(() => false);
    // Several nodes: a node that cannot hear the others' commits would hold polls it never wakes.
    const listening = store.listening?.();
    const ok = database && listening !== false;
    return c.json(
      { status: ok ? "ok" : "unavailable", store: store.kind, database, ...(listening === undefined ? {} : { listening }), heldPolls: bus.heldPolls },
      ok ? 200 : 503,
    );
  });
  return app;
}
