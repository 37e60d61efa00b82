import type { Order, RefusedEdit } from "../db/contracts/sync-state.ts";
import { ValidationError } from "../errors.ts";
import { jsonReply, type PlainRoute, type PlainRequest, plainRoute } from "../http/route.ts";
import { PLAIN_ROUTES } from "../protocol/routes.ts";
import { dismissRefusedEdit, type EditTarget, reapplyRefusedEdit, restoreEndedRunOrder, type RecoveryFailure } from "../sync/recovery.ts";
import { database, integerParam, sessionId } from "./requests.ts";
import { orderData, type OrderView, orderView, type ViewDeps } from "./views.ts";

const NO_STORE = { "Cache-Control": "no-store" };
const SESSION = `${PLAIN_ROUTES.consoleApi}/databases/:dbname/sessions/:multiSessionId`;

/**
 * Nothing typed is lost without a trace (docs/console.md): the refused edits of a multi-session
 * and the open orders of its ended runs, and the operator's repairs of both. Console API routes,
 * `viewer` access; the door refuses another site's Origin on them before anything runs.
 */
export function recoveryRoutes(deps: ViewDeps): PlainRoute[] {
  const viewer = { access: "viewer" } as const;
  const json = (value: unknown, status = 200) => jsonReply(value, status, NO_STORE);
  const failedOr = <T extends object>(result: T | RecoveryFailure, ok: (result: T) => unknown) =>
    isFailure(result) ? json({ error: result.error }, result.status) : json(ok(result as T));
  return [
    plainRoute("GET", `${SESSION}/refused-edits`, viewer, async (request) => {
      const [dbname, id] = [database(request), sessionId(request)];
      const uid = request.query.get("uid") ?? undefined;
      if (uid !== undefined && !validUid(uid)) throw new ValidationError("uid: expected an order uid (1 to 200 characters)");
      const edits = await deps.store.refusedEdits(dbname, id, uid);
      return json({ edits: edits.map(refusedEditView) });
    }),
    plainRoute("POST", `${SESSION}/refused-edits/:id/reapply`, viewer, async (request) => {
      const result = await reapplyRefusedEdit(deps.bus, editTarget(request), recoveryOptions(deps));
      return failedOr(result, (done) => ({ edit: refusedEditView(done.edit), uid: done.uid, revision: done.revision }));
    }),
    plainRoute("POST", `${SESSION}/refused-edits/:id/dismiss`, viewer, async (request) => {
      const result = await dismissRefusedEdit(deps.bus, editTarget(request), recoveryOptions(deps));
      return failedOr(result, (edit) => ({ edit: refusedEditView(edit) }));
    }),
    plainRoute("GET", `${SESSION}/ended-run-orders`, viewer, async (request) => {
      const [dbname, id] = [database(request), sessionId(request)];
      const orders = await deps.store.endedRunOrders(dbname, id);
      return json({ orders: orders.map((order) => endedRunOrderView(deps, order)) });
    }),
    plainRoute("POST", `${SESSION}/ended-run-orders/:uid/restore`, viewer, async (request) => {
      const [dbname, id] = [database(request), sessionId(request)];
      const uid = request.params.uid ?? "";
      if (!validUid(uid)) throw new ValidationError("uid: expected an order uid (1 to 200 characters)");
      const result = await restoreEndedRunOrder(deps.bus, { dbname, multiSessionId: id, uid }, recoveryOptions(deps));
      return failedOr(result, (restored) => restored);
    }),
  ];
}

/** A refused edit as the console lists it (docs/console.md): the server's side in one object, the message as its data. */
export interface RefusedEditView extends Omit<RefusedEdit, "dbname" | "multiSessionId" | "message" | "serverRevision" | "serverState"> {
  /** What the server had when it refused: null revision and state when it had no such order. */
  server: { revision: number | null; state: string | null };
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
    data: orderData(edit.message),
  };
}

/** An open order of an ended run: the order as the session page lists it, with its content. */
export interface EndedRunOrderView extends OrderView {
  data: Record<string, unknown>;
}

function endedRunOrderView(deps: ViewDeps, order: Order): EndedRunOrderView {
  return { ...orderView(deps.monitor, order), data: orderData(order.message) };
}

function recoveryOptions(deps: ViewDeps) {
  return { merge: deps.config.merge, now: Date.now() };
}

function isFailure(result: object): result is RecoveryFailure {
  return "error" in result && "status" in result;
}

function editTarget(request: PlainRequest): EditTarget {
  return { dbname: database(request), multiSessionId: sessionId(request), id: integerParam(request, "id", "a refused edit's id") };
}

function validUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 200;
}
