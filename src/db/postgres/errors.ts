import { StoreUnavailableError } from "../../errors.ts";

/**
 * SQLSTATE classes that mean "the database is away or overloaded", not "this request is wrong":
 * 08 connection exception, 57 operator intervention (shutdown, statement timeout), 53
 * insufficient resources.
 */
const UNAVAILABLE_CLASSES = new Set(["08", "57", "53"]);

/**
 * A connection failure or timeout becomes a StoreUnavailableError with a message a person can
 * act on. Whatever fails while connecting is one (e.g. 55000: connections not allowed now).
 */
export function asStoreError(error: unknown, connecting = false): unknown {
  if (!(error instanceof Error) || error instanceof StoreUnavailableError) return error;
  if (connecting) return unavailable(error);
  const code = (error as { code?: unknown }).code;
  const sqlState = typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
  if (sqlState && !UNAVAILABLE_CLASSES.has(sqlState.slice(0, 2))) return error;
  return unavailable(error);
}

function unavailable(error: Error): StoreUnavailableError {
  return new StoreUnavailableError(`database unavailable: ${error.message}; nothing was written, retry later`, { cause: error });
}
