import { AccessDeniedError, ValidationError } from "../errors.ts";
import { canSee, type Viewer } from "../http/operator-access.ts";
import type { PlainRequest } from "../http/route.ts";
import { DBNAME_PATTERN } from "../protocol/channels.ts";

/** The console API's path parameters, checked; each throws the error naming the bad one. */

export function viewerOf(request: PlainRequest): Viewer {
  return request.viewer ?? { role: "admin" };
}

/** `:dbname`, valid and open to the viewer. */
export function database(request: PlainRequest): string {
  const dbname = request.params.dbname ?? "";
  if (!DBNAME_PATTERN.test(dbname)) throw new ValidationError("dbname: not a valid database name");
  if (!canSee(viewerOf(request), dbname)) throw new AccessDeniedError(`This key does not open database "${dbname}"`, 403);
  return dbname;
}

export function sessionId(request: PlainRequest): number {
  return integerParam(request, "multiSessionId", "a multi-session id");
}

export function integerParam(request: PlainRequest, name: string, what: string): number {
  const raw = request.params[name] ?? "";
  if (!/^\d{1,15}$/.test(raw)) throw new ValidationError(`${name}: expected ${what} (an integer)`);
  return Number(raw);
}

/** `?after=`, a timeline cursor; 0 when absent. */
export function cursor(request: PlainRequest): number {
  const raw = request.query.get("after");
  if (raw === null || raw === "") return 0;
  if (!/^\d{1,15}$/.test(raw)) throw new ValidationError("after: expected a timeline cursor (an integer >= 0)");
  return Number(raw);
}
