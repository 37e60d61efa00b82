import { operatorAccess, type OperatorKeys } from "../console/access.ts";

export { isLoopback } from "../console/access.ts";

export type AdminVerdict = { allowed: true } | { allowed: false; status: 401 | 403; error: string };

/**
 * The fault routes take the console's operator rule (one rule for every operator route,
 * PROTOCOL.md section 8) and need the admin viewer: the admin key as `Authorization: Bearer`,
 * or, with no admin key and no database keys, any loopback client. A shop's key is not enough.
 */
export function adminAccess(keys: OperatorKeys) {
  const check = operatorAccess(keys);
  return (authorization: string | undefined, clientAddress: string | undefined): AdminVerdict => {
    const access = check(authorization, clientAddress);
    if ("viewer" in access) {
      if (access.viewer.role === "admin") return { allowed: true };
      return { allowed: false, status: 403, error: "fault rules need the admin key (POS_SYNC_ADMIN_KEY), not a database's key" };
    }
    if (access.status === 403) return { allowed: false, status: 403, error: access.error };
    return { allowed: false, status: 401, error: "this route needs the admin key (POS_SYNC_ADMIN_KEY) as Authorization: Bearer" };
  };
}
