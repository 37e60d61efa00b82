import { createHash, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { AccessDeniedError } from "../errors.ts";

export interface AccessKeys {
  /** Database name -> its terminals' key. Empty: open mode. */
  databases: Readonly<Record<string, string>>;
  backend?: string | undefined;
}

export interface Access {
  readonly keyed: boolean;
  /** Throws unless the request's key opens every one of `dbnames` (always passes in open mode). */
  requireDatabases(c: Context, dbnames: Iterable<string>): void;
  /** Throws unless the request carries the backend key. */
  requireBackend(c: Context): void;
}

/** The key a request presents: in the URL path prefix /k/<key>/..., or as a bearer token. */
export function presentedKey(c: Context): string | undefined {
  const fromPath = c.req.param("key");
  if (fromPath) return fromPath;
  const header = c.req.header("authorization");
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export function createAccess(keys: AccessKeys): Access {
  const databaseDigests = new Map(Object.entries(keys.databases).map(([dbname, key]) => [dbname, digest(key)]));
  const backendDigest = keys.backend ? digest(keys.backend) : undefined;
  const keyed = databaseDigests.size > 0;
  return {
    keyed,
    requireDatabases(c, dbnames) {
      if (!keyed) return;
      const key = presentedKey(c);
      if (!key) throw new AccessDeniedError("Access denied: this server needs the database's key (URL prefix /k/<key> or Authorization: Bearer)");
      const presented = digest(key);
      for (const dbname of new Set(dbnames)) {
        const expected = databaseDigests.get(dbname);
        if (!expected || !timingSafeEqual(expected, presented)) {
          throw new AccessDeniedError(`Access denied: the key does not open database "${dbname}"`);
        }
      }
    },
    requireBackend(c) {
      if (!backendDigest) throw new AccessDeniedError("Access denied: backend routes are disabled until a backend key is configured (POS_SYNC_BACKEND_KEY)");
      const key = presentedKey(c);
      if (!key || !timingSafeEqual(backendDigest, digest(key))) throw new AccessDeniedError("Access denied: this route needs the backend key");
    },
  };
}

/** Fixed-length digests, so comparing them takes the same time whatever the key's length. */
function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}
