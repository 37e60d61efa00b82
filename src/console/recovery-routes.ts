import type { Context, Hono } from "hono";
import type { Order, RefusedEdit } from "../db/store.ts";
import { dismissRefusedEdit, reapplyRefusedEdit, restoreEndedRunOrder, type RecoveryFailure } from "../sync/recovery.ts";
import type { Viewer } from "./access.ts";
import type { ViewDeps } from "./views.ts";

type Env = { Variables: { viewer: Viewer } };

const NO_STORE = { "Cache-Control": "no-store" };
const SESSION = "/databases/:dbname/sessions/:multiSessionId";

/**
 * Nothing typed is lost without a trace (docs/console.md): the refused edits of a multi-session
 * and the open orders of its ended runs, and the operator's repairs of both. Mounted on the
 * console's API, behind its viewer and database checks.
 */
export function addRecoveryRoutes(api: Hono<Env>, deps: ViewDeps): void {
  api.get(`${SESSION}/refused-edits`, async (c) => {
    const id = sessionIdOf(c);
    if (id === undefined) return badSession(c);
    const uid = c.req.query("uid");
    if (uid !== undefined && !validUid(uid)) return c.json({ error: "uid: expected an order uid (1 to 200 characters)" }, 400, NO_STORE);
    const edits = await deps.store.refusedEdits(c.req.param("dbname")!, id, uid);
    return c.json({ edits: edits.map(refusedEditView) }, 200, NO_STORE);
  });

  api.post(`${SESSION}/refused-edits/:id/reapply`, async (c) => {
    const target = editTarget(c);
    if ("error" in target) return c.json({ error: target.error }, 400, NO_STORE);
    const result = await reapplyRefusedEdit(deps.bus, target.dbname, target.multiSessionId, target.id, recoveryOptions(deps));
    if (isFailure(result)) return c.json({ error: result.error }, result.status, NO_STORE);
    return c.json({ edit: refusedEditView(result.edit), uid: result.uid, revision: result.revision }, 200, NO_STORE);
  });

  api.post(`${SESSION}/refused-edits/:id/dismiss`, async (c) => {
    const target = editTarget(c);
    if ("error" in target) return c.json({ error: target.error }, 400, NO_STORE);
    const result = await dismissRefusedEdit(deps.bus, target.dbname, target.multiSessionId, target.id, recoveryOptions(deps));
    if (isFailure(result)) return c.json({ error: result.error }, result.status, NO_STORE);
    return c.json({ edit: refusedEditView(result) }, 200, NO_STORE);
  });

  api.get(`${SESSION}/ended-run-orders`, async (c) => {
    const id = sessionIdOf(c);
    if (id === undefined) return badSession(c);
    const orders = await deps.store.endedRunOrders(c.req.param("dbname")!, id);
    return c.json({ orders: orders.map((order) => endedRunOrderView(deps, order)) }, 200, NO_STORE);
  });

  api.post(`${SESSION}/ended-run-orders/:uid/restore`, async (c) => {
    const id = sessionIdOf(c);
    if (id === undefined) return badSession(c);
    const uid = c.req.param("uid") ?? "";
    if (!validUid(uid)) return c.json({ error: "uid: expected an order uid (1 to 200 characters)" }, 400, NO_STORE);
    const result = await restoreEndedRunOrder(deps.bus, c.req.param("dbname")!, id, uid, recoveryOptions(deps));
    if (isFailure(result)) return c.json({ error: result.error }, result.status, NO_STORE);
    return c.json(result, 200, NO_STORE);
  });
}

/**
 * A browser sends Origin on every POST: a page of another site must not make the operator's
 * browser (or, with no admin key, any browser on the server's own machine) change orders.
 */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === c.req.header("host");
  } catch {
    return false;
  }
}

export interface RefusedEditView {
  id: number;
  uid: string;
  action: string;
  reason: RefusedEdit["reason"];
  posId: number | null;
  sessionId: number | null;
  loginNumber: number | null;
  userId: number;
  at: number;
  /** The revision the terminal typed against. */
  typedRevision: number | null;
  /** What the server had when it refused: null revision and state when it had no such order. */
  server: { revision: number | null; state: string | null };
  status: RefusedEdit["status"];
  reappliedRevision: number | null;
  resolvedAt: number | null;
  /** The refused message's data, whole: what the cashier typed. */
  data: Record<string, unknown>;
}

function refusedEditView(edit: RefusedEdit): RefusedEditView {
  return {
    id: edit.id,
    uid: edit.uid,
    action: edit.action,
    reason: edit.reason,
    posId: edit.posId,
    sessionId: edit.sessionId,
    loginNumber: edit.loginNumber,
    userId: edit.userId,
    at: edit.at,
    typedRevision: edit.typedRevision,
    server: { revision: edit.serverRevision, state: edit.serverState },
    status: edit.status,
    reappliedRevision: edit.reappliedRevision,
    resolvedAt: edit.resolvedAt,
    data: dataOf(edit.message),
  };
}

function endedRunOrderView(deps: ViewDeps, order: Order) {
  const data = dataOf(order.message);
  const change = deps.monitor.activity.lastChange(order.dbname, order.multiSessionId, order.uid);
  const sentBy = change?.posId ?? data.pos_id;
  return {
    uid: order.uid,
    revision: order.revisionId,
    runId: order.runId,
    sequenceNumber: typeof data.sequence_number === "number" ? data.sequence_number : null,
    lines: Array.isArray(data.lines) ? data.lines.length : 0,
    lastChangeAt: change?.at ?? null,
    lastChangeBy: typeof sentBy === "number" || typeof sentBy === "string" ? String(sentBy) : null,
    data,
  };
}

function recoveryOptions(deps: ViewDeps) {
  return { merge: deps.config.merge, now: Date.now() };
}

function isFailure(result: object): result is RecoveryFailure {
  return "error" in result && "status" in result;
}

function editTarget(c: Context): { dbname: string; multiSessionId: number; id: number } | { error: string } {
  const multiSessionId = sessionIdOf(c);
  if (multiSessionId === undefined) return { error: "multiSessionId: expected a multi-session id (an integer)" };
  const raw = c.req.param("id") ?? "";
  if (!/^\d{1,15}$/.test(raw)) return { error: "id: expected a refused edit's id (an integer)" };
  return { dbname: c.req.param("dbname")!, multiSessionId, id: Number(raw) };
}

function sessionIdOf(c: Context): number | undefined {
  const raw = c.req.param("multiSessionId") ?? "";
  return /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
}

function badSession(c: Context) {
  return c.json({ error: "multiSessionId: expected a multi-session id (an integer)" }, 400, NO_STORE);
}

function validUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 200;
}

function dataOf(message: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(message) as { data?: unknown };
    return parsed.data && typeof parsed.data === "object" ? (parsed.data as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
