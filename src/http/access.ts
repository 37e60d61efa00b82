import { createHash, timingSafeEqual } from "node:crypto";
import { AccessDeniedError } from "../errors.ts";
import type { Caller } from "./caller.ts";

export interface AccessKeys {
  /** Database name -> its terminals' key. Empty: open mode. */
  databases: Readonly<Record<string, string>>;
  backend?: string | undefined;
}

export interface Access {
  readonly keyed: boolean;
  /** Throws unless the request's key opens every one of `dbnames` (always passes in open mode). */
  requireDatabases(request: Pick<Caller, "key">, dbnames: Iterable<string>): void;
  /** Throws unless the request carries the backend key. */
  requireBackend(request: Pick<Caller, "key">): void;
}

export function createAccess(keys: AccessKeys): Access {
  const databaseDigests = new Map(Object.entries(keys.databases).map(([dbname, key]) => [dbname, digest(key)]));
  const backendDigest = keys.backend ? digest(keys.backend) : undefined;
  const keyed = databaseDigests.size > 0;
  return {
    keyed,
    requireDatabases({ key }, dbnames) {
      if (!keyed) return;
      if (!key) throw new AccessDeniedError("Access denied: this server needs the database's key (URL prefix /k/<key> or Authorization: Bearer)");
      const presented = digest(key);
      for (const dbname of new Set(dbnames)) {
        const expected = databaseDigests.get(dbname);
        if (!expected || !timingSafeEqual(expected, presented)) {
          throw new AccessDeniedError(`Access denied: the key does not open database "${dbname}"`);
        }
      }
    },
    requireBackend({ key }) {
      if (!backendDigest) throw new AccessDeniedError("Access denied: backend routes are disabled until a backend key is configured (POS_SYNC_BACKEND_KEY)");
      if (!key || !timingSafeEqual(backendDigest, digest(key))) throw new AccessDeniedError("Access denied: this route needs the backend key");
    },
  };
}

/** Fixed-length digests, so comparing them takes the same time whatever the key's length. */
function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}
