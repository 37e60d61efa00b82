import { StoreUnavailableError } from "../../errors.ts";

/**
 * SQLSTATE classes that mean "the database is away or overloaded", not "this request is wrong":
 * 08 connection exception, 57 operator intervention (shutdown, statement timeout), 53
 * insufficient resources.
 */
const UNAVAILABLE_CLASSES = new Set(["08", "57", "53"]);
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** What node-postgres says, without a code, when a connection breaks or cannot be had. */
const CONNECTION_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|connection error|not queryable|Connection ended/i;

/**
 * A connection failure or timeout becomes a StoreUnavailableError with a message a person can
 * act on. Whatever fails while connecting is one (e.g. 55000: connections not allowed now).
 * Every other error (a rule's ValidationError, a bug) passes through unchanged.
 */
export function asStoreError(error: unknown, connecting = false): unknown {
  if (!(error instanceof Error) || error instanceof StoreUnavailableError) return error;
  if (connecting || isUnavailable(error)) return unavailable(error);
  return error;
}

function isUnavailable(error: Error): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_CLASSES.has(code.slice(0, 2));
  if (typeof code === "string" && NETWORK_CODES.has(code)) return true;
  return CONNECTION_MESSAGES.test(error.message);
}

function unavailable(error: Error): StoreUnavailableError {
  return new StoreUnavailableError(`database unavailable: ${error.message}; nothing was written, retry later`, { cause: error });
}
