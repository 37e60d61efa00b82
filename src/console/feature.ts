import { NotFoundError } from "../errors.ts";
import { type Feature, jsonReply, plainRoute } from "../http/route.ts";
import { PLAIN_ROUTES } from "../protocol/routes.ts";
import { listQuery } from "./listing.ts";
import { databaseLists } from "./lists.ts";
import { overviewView } from "./overview.ts";
import { consolePage, consoleScript, PAGE_SECURITY_HEADERS } from "./page.ts";
import { recoveryRoutes } from "./recovery-routes.ts";
import { cursor, database, sessionId, viewerOf } from "./requests.ts";
import { sessionView, timelineView, type ViewDeps } from "./views.ts";

const NO_STORE = { "Cache-Control": "no-store" };
const API = PLAIN_ROUTES.consoleApi;

/**
 * The console page at /console and the JSON it reads under /console/api (docs/console.md): plain
 * GETs answering plain JSON (not JSON-RPC), operator access, never CORS.
 */
export function consoleFeature(deps: ViewDeps): Feature {
  const json = (value: unknown) => jsonReply(value, 200, NO_STORE);
  const lists = databaseLists(deps);
  return {
    routes: [
      // The page itself holds no data; it is refused only where the API would refuse everyone.
      plainRoute("GET", PLAIN_ROUTES.console, { access: "operator-page" }, () => ({
        status: 200,
        headers: { "Content-Type": "text/html; charset=UTF-8", ...PAGE_SECURITY_HEADERS, "Cache-Control": "no-cache" },
        body: consolePage(),
      })),
      plainRoute("GET", PLAIN_ROUTES.consoleScript, { access: "operator-page" }, async () => ({
        status: 200,
        headers: { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" },
        body: await consoleScript(),
      })),
      plainRoute("GET", `${API}/whoami`, { access: "viewer" }, (request) => json(viewerOf(request))),
      // What the page may show, so it never asks a route that is switched off.
      plainRoute("GET", `${API}/features`, { access: "viewer" }, (request) =>
        json({ testFeatures: deps.config.testFeatures, faults: deps.config.testFeatures && viewerOf(request).role === "admin", merge: deps.config.merge }),
      ),
      plainRoute("GET", `${API}/overview`, { access: "viewer" }, async (request) => {
        const viewer = viewerOf(request);
        return json(await overviewView(deps, viewer, lists.summaries(viewer)));
      }),
      plainRoute("GET", `${API}/databases`, { access: "viewer" }, async (request) => {
        const query = listQuery(request);
        return json(await lists.databases(viewerOf(request), query));
      }),
      plainRoute("GET", `${API}/databases/:dbname`, { access: "viewer" }, async (request) => {
        const dbname = database(request);
        return json(await lists.sessions(dbname, listQuery(request)));
      }),
      plainRoute("GET", `${API}/databases/:dbname/sessions/:multiSessionId`, { access: "viewer" }, async (request) => {
        const dbname = database(request);
        const id = sessionId(request);
        const view = await sessionView(deps, dbname, id, cursor(request));
        if (!view) throw new NotFoundError(`No multi-session ${id} in database "${dbname}"`);
        return json(view);
      }),
      plainRoute("GET", `${API}/databases/:dbname/sessions/:multiSessionId/timeline`, { access: "viewer" }, (request) => {
        const dbname = database(request);
        const id = sessionId(request);
        return json(timelineView(deps, dbname, id, cursor(request)));
      }),
      ...recoveryRoutes(deps),
    ],
  };
}
