import { timingSafeEqual } from "node:crypto";
import { AccessDeniedError } from "../errors.ts";
import { type DatabaseKeys, digest, digestsOf } from "./access.ts";
import { bearerKey } from "./caller.ts";

/**
 * Who may call a route; the door checks it before the handler runs.
 * - `terminal`: anyone reaches the handler, which checks the database keys its params name
 *   (keys come as /k/<key> or Authorization: Bearer). The only access that may allow CORS.
 * - the others are operator access (docs/protocol.md, "Keys"; docs/console.md, "Access"): never
 *   any CORS header, a request with a foreign Origin is refused first, and then
 *   - `operator-page`: the admin key when one is set, otherwise loopback only (a page holding no data);
 *   - `viewer`: the admin key, or a database's key (that database only), as Authorization: Bearer;
 *     without an admin key, loopback only, and in open mode loopback needs no key;
 *   - `admin`: as `viewer`, but only the admin viewer;
 *   - `qa`: the admin key when one is set, otherwise loopback (database keys open nothing here).
 */
export type RouteAccess = "terminal" | "operator-page" | "viewer" | "admin" | "qa";

/** Who is looking at an operator route: the operator of the whole server, or one shop. */
export type Viewer = { role: "admin" } | { role: "shop"; dbname: string };

export interface OperatorKeys {
  adminKey?: string | undefined;
  /** Database name -> its key (keyed mode when not empty); may change at run time (src/keys/). */
  databases: DatabaseKeys;
}

/** What the door needs to know of a request to let it through an operator access. */
export interface OperatorRequest {
  authorization: string | undefined;
  clientAddress: string | undefined;
  origin: string | undefined;
  host: string | undefined;
}

export const FOREIGN_ORIGIN = "Origin: another site's page may not use the operator routes (the Origin is not this server)";

const LOOPBACK_ONLY = "The console answers on loopback only until an admin key is set (POS_SYNC_ADMIN_KEY)";

/**
 * Access to the operator routes (docs/console.md, "Access"), from the Authorization header only,
 * so keys never ride in URLs:
 * - a request carrying an Origin other than the server's own is refused first: otherwise any
 *   web page open in a browser on the server's machine would pass the loopback trust below;
 * - the admin key opens everything, from anywhere;
 * - a database's key opens that database's pages (`viewer` routes only);
 * - without an admin key the routes answer on loopback only, and there, in open mode (and on
 *   `qa` routes always), need no key. In keyed mode loopback alone is not enough for `viewer`
 *   and `admin` routes: behind a proxy on the same host every request comes from loopback.
 * Returns the viewer let in, or throws AccessDeniedError with its HTTP status.
 */
export function operatorAccess(keys: OperatorKeys) {
  const adminDigest = keys.adminKey ? digest(keys.adminKey) : undefined;
  const databaseDigests = digestsOf(keys.databases);

  function viewerOf(authorization: string | undefined, withDatabases: boolean): Viewer {
    const digests = databaseDigests();
    const keyed = digests.size > 0;
    const key = bearerKey(authorization);
    if (!key) {
      if (!adminDigest && (!keyed || !withDatabases)) return { role: "admin" };
      throw new AccessDeniedError("A key is needed: the admin key (POS_SYNC_ADMIN_KEY) or a database's key, as Authorization: Bearer", 401);
    }
    const presented = digest(key);
    if (adminDigest && timingSafeEqual(adminDigest, presented)) return { role: "admin" };
    if (!withDatabases) throw new AccessDeniedError("This key opens nothing here", 401);
    // Every digest is compared, so the time taken does not tell which database a key belongs to.
    let dbname: string | undefined;
    for (const [name, expected] of digests) if (timingSafeEqual(expected, presented)) dbname = name;
    if (dbname) return { role: "shop", dbname };
    throw new AccessDeniedError("This key opens nothing here", 401);
  }

  return function check(access: Exclude<RouteAccess, "terminal">, request: OperatorRequest): Viewer | undefined {
    if (isForeignOrigin(request.origin, request.host)) {
      throw new AccessDeniedError(FOREIGN_ORIGIN, 403);
    }
    if (!adminDigest && !isLoopback(request.clientAddress)) throw new AccessDeniedError(LOOPBACK_ONLY, 403);
    if (access === "operator-page") return undefined;
    if (access === "qa") {
      try {
        return viewerOf(request.authorization, false);
      } catch {
        throw new AccessDeniedError("this route needs the admin key (POS_SYNC_ADMIN_KEY) as Authorization: Bearer", 401);
      }
    }
    const viewer = viewerOf(request.authorization, true);
    if (access === "admin" && viewer.role !== "admin") throw new AccessDeniedError("Only the admin key opens this route", 403);
    return viewer;
  };
}

export function canSee(viewer: Viewer, dbname: string): boolean {
  return viewer.role === "admin" || viewer.dbname === dbname;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/** An Origin naming another host than the one the request was sent to ("null" included). */
export function isForeignOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
