import { createHash, timingSafeEqual } from "node:crypto";

export type AdminVerdict = { allowed: true } | { allowed: false; status: 401 | 403; error: string };

/**
 * The operator routes' rule (PROTOCOL.md section 8): with an admin key, `Authorization: Bearer
 * <admin key>` from anywhere; without one, loopback clients only.
 */
export function adminAccess(adminKey: string | undefined) {
  const expected = adminKey ? digest(adminKey) : undefined;
  return (authorization: string | undefined, clientAddress: string | undefined): AdminVerdict => {
    if (expected) {
      const presented = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
      if (presented && timingSafeEqual(expected, digest(presented))) return { allowed: true };
      return { allowed: false, status: 401, error: "this route needs the admin key (POS_SYNC_ADMIN_KEY) as Authorization: Bearer" };
    }
    if (isLoopback(clientAddress)) return { allowed: true };
    return { allowed: false, status: 403, error: "without an admin key (POS_SYNC_ADMIN_KEY) this route answers on loopback only" };
  };
}

export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/** Fixed-length digests, so comparing them takes the same time whatever the key's length. */
function digest(key: string): Buffer {
  return createHash("sha256").update(key).digest();
}
