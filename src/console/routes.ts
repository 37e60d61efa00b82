import type { IncomingMessage } from "node:http";
import { Hono, type Context } from "hono";
import type { KeyRing } from "../keys/key-ring.ts";
import { DBNAME_PATTERN } from "../protocol/channels.ts";
import { canSee, operatorAccess, isLoopback, type Viewer } from "./access.ts";
import { addRecoveryRoutes, sameOrigin } from "./recovery-routes.ts";
import { consolePage, consoleScript, PAGE_SECURITY_HEADERS } from "./page.ts";
import { databaseSummaries, databaseView, overviewView, sessionView, timelineView, type ViewDeps } from "./views.ts";

type Env = { Variables: { viewer: Viewer } };

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * The operator routes: /metrics, the console page at /console and the JSON it reads under
 * /console/api. Plain GETs answering plain JSON (not JSON-RPC), mounted before CORS: only the
 * console's own page reads them.
 */
export function consoleRoutes(deps: ViewDeps & { keys?: KeyRing | undefined }): Hono<Env> {
  const check = operatorAccess({ adminKey: deps.config.adminKey, databases: deps.keys?.digests ?? deps.config.keys });
  const app = new Hono<Env>();

  const requireViewer = (role?: "admin") => async (c: Context<Env>, next: () => Promise<void>) => {
    const access = check(c.req.header("authorization"), remoteAddress(c));
    if ("error" in access) return c.json({ error: access.error }, access.status, NO_STORE);
    if (role === "admin" && access.viewer.role !== "admin") return c.json({ error: "Only the admin key opens this route" }, 403, NO_STORE);
    c.set("viewer", access.viewer);
    await next();
  };

  app.get("/metrics", requireViewer("admin"), async (c) =>
    c.body(await deps.monitor.metrics.text(), 200, { "Content-Type": deps.monitor.metrics.contentType, ...NO_STORE }),
  );

  // The page itself holds no data; it is refused only where the API would refuse everyone.
  app.get("/console", (c) => {
    if (!deps.config.adminKey && !isLoopback(remoteAddress(c)))
      return c.text("The console answers on loopback only until an admin key is set (POS_SYNC_ADMIN_KEY)", 403);
    return c.html(consolePage(), 200, { ...PAGE_SECURITY_HEADERS, "Cache-Control": "no-cache" });
  });
  app.get("/console/app.js", async (c) =>
    c.body(await consoleScript(), 200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }),
  );

  const api = new Hono<Env>();
  api.use("*", async (c, next) => {
    if (c.req.method !== "GET" && !sameOrigin(c)) return c.json({ error: "Origin: another site's page may not change anything here" }, 403, NO_STORE);
    await next();
  });
  api.use("*", requireViewer());
  const requireDatabase = async (c: Context<Env>, next: () => Promise<void>) => {
    const dbname = c.req.param("dbname") ?? "";
    if (!DBNAME_PATTERN.test(dbname)) return c.json({ error: "dbname: not a valid database name" }, 400, NO_STORE);
    if (!canSee(c.get("viewer"), dbname)) return c.json({ error: `This key does not open database "${dbname}"` }, 403, NO_STORE);
    await next();
  };
  api.use("/databases/:dbname", requireDatabase);
  api.use("/databases/:dbname/*", requireDatabase);
  api.get("/whoami", (c) => c.json(c.get("viewer"), 200, NO_STORE));
  api.get("/overview", async (c) => c.json(await overviewView(deps, c.get("viewer")), 200, NO_STORE));
  api.get("/databases", async (c) => c.json(await databaseSummaries(deps, c.get("viewer")), 200, NO_STORE));
  api.get("/databases/:dbname", async (c) => c.json(await databaseView(deps, c.req.param("dbname")), 200, NO_STORE));
  api.get("/databases/:dbname/sessions/:multiSessionId", async (c) => {
    const id = sessionId(c);
    if (id === undefined) return c.json({ error: "multiSessionId: expected a multi-session id (an integer)" }, 400, NO_STORE);
    const after = cursor(c);
    if (after === undefined) return c.json({ error: "after: expected a timeline cursor (an integer >= 0)" }, 400, NO_STORE);
    const view = await sessionView(deps, c.req.param("dbname"), id, after);
    return view ? c.json(view, 200, NO_STORE) : c.json({ error: `No multi-session ${id} in database "${c.req.param("dbname")}"` }, 404, NO_STORE);
  });
  api.get("/databases/:dbname/sessions/:multiSessionId/timeline", (c) => {
    const id = sessionId(c);
    if (id === undefined) return c.json({ error: "multiSessionId: expected a multi-session id (an integer)" }, 400, NO_STORE);
    const after = cursor(c);
    if (after === undefined) return c.json({ error: "after: expected a timeline cursor (an integer >= 0)" }, 400, NO_STORE);
    return c.json(timelineView(deps, c.req.param("dbname"), id, after), 200, NO_STORE);
  });
  addRecoveryRoutes(api, deps);
  api.notFound((c) => c.json({ error: `No console route ${c.req.method} ${new URL(c.req.url).pathname}` }, 404, NO_STORE));
  app.route("/console/api", api);
  return app;
}

function remoteAddress(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket.remoteAddress;
}

function sessionId(c: Context): number | undefined {
  const raw = c.req.param("multiSessionId") ?? "";
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

function cursor(c: Context): number | undefined {
  const raw = c.req.query("after");
  if (raw === undefined || raw === "") return 0;
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}
