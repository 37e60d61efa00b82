import type { Viewer } from "../http/operator-access.ts";
import { version as VERSION } from "../version.ts";
import type { DatabaseSummary } from "./lists.ts";
import { nodeViews } from "./node-registry.ts";
import type { ViewDeps } from "./views.ts";

/** GET /console/api/overview: this node, the store, the terminals of `summaries` (what the viewer may see) counted, and the chart's history. */
export async function overviewView(deps: ViewDeps, viewer: Viewer, summaries: Promise<DatabaseSummary[]>) {
  const { config, store, bus, monitor } = deps;
  const [databases, nodes, healthy] = await Promise.all([
    summaries,
    // Host names, pids and addresses are the operator's business, not a shop's.
    viewer.role === "admin" ? nodeViews(store, monitor.nodeId) : undefined,
    Promise.resolve(store.isHealthy()).catch(() => false),
  ]);
  const now = Date.now();
  return {
    version: VERSION,
    viewer,
    node: { id: monitor.nodeId, startedAt: monitor.startedAt, uptimeSeconds: Math.round((now - monitor.startedAt) / 1000) },
    store: { kind: store.kind, healthy },
    pollTimeoutSeconds: config.pollTimeoutMs / 1000,
    heldPolls: bus.heldPolls,
    terminals: {
      online: databases.reduce((sum, db) => sum + db.online, 0),
      known: databases.reduce((sum, db) => sum + db.terminals, 0),
      behind: databases.reduce((sum, db) => sum + db.problems.behind, 0),
    },
    behindAfterSeconds: config.behindAfterMs / 1000,
    databases: databases.length,
    ...(nodes ? { nodes } : {}),
    history: { intervalSeconds: monitor.metrics.history.intervalMs / 1000, points: monitor.metrics.history.list() },
  };
}
