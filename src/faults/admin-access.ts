import { type OperatorKeys, operatorAccess } from "../console/access.ts";

export { isLoopback } from "../console/access.ts";

export type AdminVerdict = { allowed: true } | { allowed: false; status: 401 | 403; error: string };

/**
 * The fault routes take the console's operator check (one implementation for every operator
 * route, PROTOCOL.md section 8) and need its admin viewer. Database keys are left out of it: a
 * shop's key opens no fault rule, and without an admin key a loopback client is let in without
 * a key in keyed mode too, as QA drives the rules with curl on the server's machine.
 */
export function adminAccess(keys: Pick<OperatorKeys, "adminKey">) {
  const check = operatorAccess({ adminKey: keys.adminKey, databases: {} });
  return (authorization: string | undefined, clientAddress: string | undefined): AdminVerdict => {
    const access = check(authorization, clientAddress);
    if ("viewer" in access && access.viewer.role === "admin") return { allowed: true };
    if ("status" in access && access.status === 403) return { allowed: false, status: 403, error: access.error };
    return { allowed: false, status: 401, error: "this route needs the admin key (POS_SYNC_ADMIN_KEY) as Authorization: Bearer" };
  };
}
