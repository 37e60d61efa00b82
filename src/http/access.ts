import { createHash, timingSafeEqual } from "node:crypto";
import { AccessDeniedError } from "../errors.ts";
import type { Caller } from "./caller.ts";

/**
 * Database name -> its terminals' key: fixed, or digests read on every request, as keys added at
 * run time (src/keys/) change them. Empty: open mode.
 */
export type DatabaseKeys = Readonly<Record<string, string>> | (() => ReadonlyMap<string, Buffer>);

export interface AccessKeys {
  databases: DatabaseKeys;
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
  const databaseDigests = digestsOf(keys.databases);
  const backendDigest = keys.backend ? digest(keys.backend) : undefined;
  return {
    get keyed() {
      return databaseDigests().size > 0;
    },
    requireDatabases({ key }, dbnames) {
      const digests = databaseDigests();
      if (digests.size === 0) return;
      if (!key) throw new AccessDeniedError("Access denied: this server needs the database's key (URL prefix /k/<key> or Authorization: Bearer)");
      const presented = digest(key);
      for (const dbname of new Set(dbnames)) {
        const expected = digests.get(dbname);
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

/** The digests of `keys`, as a function read per request. */
export function digestsOf(keys: DatabaseKeys): () => ReadonlyMap<string, Buffer> {
  if (typeof keys === "function") return keys;
  const fixed = new Map(Object.entries(keys).map(([dbname, key]) => [dbname, digest(key)]));
  return () => fixed;
}

/** Fixed-length digests, so comparing them takes the same time whatever the key's length. */
export function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}
