import { ValidationError } from "../errors.ts";
import { type Feature, jsonBody, jsonReply, plainRoute } from "../http/route.ts";
import { PLAIN_ROUTES } from "../protocol/routes.ts";
import { dbnameSchema, firstIssue, putKeyBody } from "./key-input.ts";
import { ConfiguredKeyError, type KeyRing } from "./key-ring.ts";

const PATH = PLAIN_ROUTES.keys;
const NO_STORE = { "Cache-Control": "no-store" };

/** A configured key wins over stored ones: changing it through the API is a conflict. */
class ConfiguredKeyConflict extends ValidationError {
  override readonly httpStatus = 409;
}

/**
 * PUT/DELETE /pos_sync/keys/<dbname>, GET /pos_sync/keys (docs/keys.md): shops added, rotated
 * and removed at run time. Plain JSON, `qa` access (the admin key, or loopback without one; a
 * shop's key opens nothing here), no CORS. Bad input gets HTTP 400 naming the field and changes nothing.
 */
export function keysFeature(keys: KeyRing): Feature {
  const dbnameOf = (raw: string | undefined): string => {
    const parsed = dbnameSchema.safeParse(raw ?? "");
    if (!parsed.success) {
      const issue = firstIssue(parsed.error, "dbname");
      throw new ValidationError(issue.message, issue.field);
    }
    return parsed.data;
  };
  const conflicts = (error: unknown): never => {
    if (error instanceof ConfiguredKeyError) throw new ConfiguredKeyConflict(error.message, "dbname");
    throw error;
  };
  return {
    routes: [
      plainRoute("GET", PATH, { access: "qa" }, () =>
        jsonReply(
          { keys: keys.list().map(({ dbname, source, updatedAt }) => ({ dbname, source, ...(updatedAt === undefined ? {} : { updated_at: updatedAt }) })) },
          200,
          NO_STORE,
        ),
      ),
      plainRoute("PUT", `${PATH}/:dbname`, { access: "qa" }, async (request) => {
        const dbname = dbnameOf(request.params.dbname);
        const parsed = putKeyBody.safeParse(await jsonBody(request, "key", 'key: the body is not JSON (send {"key": "..."})'));
        if (!parsed.success) {
          const issue = firstIssue(parsed.error, "key");
          throw new ValidationError(issue.message, issue.field);
        }
        const existed = keys.list().some((entry) => entry.dbname === dbname);
        await keys.set(dbname, parsed.data.key).catch(conflicts);
        return jsonReply({ dbname, source: "store", rotated: existed }, existed ? 200 : 201, NO_STORE);
      }),
      plainRoute("DELETE", `${PATH}/:dbname`, { access: "qa" }, async (request) => {
        const dbname = dbnameOf(request.params.dbname);
        if (await keys.delete(dbname).catch(conflicts)) return jsonReply({ deleted: 1 }, 200, NO_STORE);
        throw new ValidationErrorNotFound(`dbname: no stored key for "${dbname}"`, "dbname");
      }),
    ],
  };
}

/** No stored key by that name: 404, naming the field. */
class ValidationErrorNotFound extends ValidationError {
  override readonly httpStatus = 404;
}
