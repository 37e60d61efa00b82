import { Hono } from "hono";
import { version } from "../../version.ts";
import type { AppDeps } from "../app.ts";

export function healthRoutes({ store, bus }: AppDeps): Hono {
  const app = new Hono();
  app.get("/healthz", async (c) => {
    const database = await Promise.resolve(store.isHealthy()).catch(() => false);
    return c.json({ status: database ? "ok" : "unavailable", database, heldPolls: bus.heldPolls, version }, database ? 200 : 503);
  });
  return app;
}
