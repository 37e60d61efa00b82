import { StoreUnavailableError } from "../../errors.ts";

/**
 * SQLSTATE classes that mean "the database is away or overloaded", not "this request is wrong":
 * 08 connection exception, 57 operator intervention (shutdown, statement timeout), 53
 * insufficient resources.
 */
const UNAVAILABLE_CLASSES = new Set(["08", "57", "53"]);

/** A connection failure or timeout becomes a StoreUnavailableError with a message a person can act on. */
export function asStoreError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const code = (error as { code?: unknown }).code;
  const sqlState = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  if (sqlState && !UNAVAILABLE_CLASSES.has(sqlState.slice(0, 2))) return error;
  return new StoreUnavailableError(`database unavailable: ${error.message}; nothing was written, retry later`, { cause: error });
}
