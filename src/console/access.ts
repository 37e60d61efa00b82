import { timingSafeEqual } from "node:crypto";
import { type DatabaseKeys, digest, digestsOf } from "../http/access.ts";
import { bearerKey } from "../http/caller.ts";

/** Who is looking at the console: the operator of the whole server, or one shop. */
export type Viewer = { role: "admin" } | { role: "shop"; dbname: string };

export type AccessResult = { viewer: Viewer } | { status: 401 | 403; error: string };

export interface OperatorKeys {
  adminKey?: string | undefined;
  /** Database name -> its key (keyed mode when not empty); may change at run time (src/keys/). */
  databases: DatabaseKeys;
}

/**
 * Access to the operator routes (PROTOCOL.md section 8), from the Authorization header only, so
 * keys never ride in console URLs:
 * - the admin key opens everything, from anywhere;
 * - a database's key opens that database's pages;
 * - without an admin key the routes answer on loopback only, and there, in open mode, need no key.
 * In keyed mode loopback alone is not enough: behind a proxy on the same host every request
 * comes from loopback.
 */
export function operatorAccess(keys: OperatorKeys) {
  const adminDigest = keys.adminKey ? digest(keys.adminKey) : undefined;
  const databaseDigests = digestsOf(keys.databases);

  return function check(authorization: string | undefined, remoteAddress: string | undefined): AccessResult {
    const digests = databaseDigests();
    const keyed = digests.size > 0;
    if (!adminDigest && !isLoopback(remoteAddress)) {
      return { status: 403, error: "The console answers on loopback only until an admin key is set (POS_SYNC_ADMIN_KEY)" };
    }
    const key = bearerKey(authorization);
    if (!key) {
      if (!adminDigest && !keyed) return { viewer: { role: "admin" } };
      return { status: 401, error: "A key is needed: the admin key (POS_SYNC_ADMIN_KEY) or a database's key, as Authorization: Bearer" };
    }
    const presented = digest(key);
    if (adminDigest && timingSafeEqual(adminDigest, presented)) return { viewer: { role: "admin" } };
    // Every digest is compared, so the time taken does not tell which database a key belongs to.
    let dbname: string | undefined;
    for (const [name, expected] of digests) if (timingSafeEqual(expected, presented)) dbname = name;
    if (dbname) return { viewer: { role: "shop", dbname } };
    return { status: 401, error: "This key opens nothing here" };
  };
}

export function canSee(viewer: Viewer, dbname: string): boolean {
  return viewer.role === "admin" || viewer.dbname === dbname;
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}
