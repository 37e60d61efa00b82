import { Hono } from "hono";
import type { Bus } from "../../bus/bus.ts";
import type { Store } from "../../db/store.ts";
import { version } from "../../version.ts";

/** GET /healthz: whether the database answers, and how many polls are held. */
export function healthRoutes({ store, bus }: { store: Store; bus: Bus }): Hono {
  const app = new Hono();
  app.get("/healthz", async (c) => {
    const database = await Promise.resolve(store.isHealthy()).catch(() => false);
    return c.json({ status: database ? "ok" : "unavailable", database, heldPolls: bus.heldPolls, version }, database ? 200 : 503);
  });
  return app;
}
