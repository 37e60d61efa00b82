/**
 * The few errors domain code throws. The HTTP layer turns each into one JSON-RPC error body
 * (src/http/jsonrpc.ts); `odooName` and `exceptionType` are what Odoo clients read there.
 */
export abstract class PosSyncError extends Error {
  abstract readonly odooName: string;
  abstract readonly exceptionType: string;
}

/** Bad input: the message names the field. */
export class ValidationError extends PosSyncError {
  override readonly name = "ValidationError";
  readonly odooName = "odoo.exceptions.ValidationError";
  readonly exceptionType = "validation_error";
}

/** Missing, wrong or foreign key. The message never contains a key. */
export class AccessDeniedError extends PosSyncError {
  override readonly name = "AccessDeniedError";
  readonly odooName = "odoo.exceptions.AccessDenied";
  readonly exceptionType = "access_denied";
}

/** A route that exists but is switched off by configuration. */
export class FeatureDisabledError extends PosSyncError {
  override readonly name = "FeatureDisabledError";
  readonly odooName = "odoo.exceptions.UserError";
  readonly exceptionType = "user_error";
}

/** A configured limit that keeps one client from hurting the others. */
export class LimitExceededError extends PosSyncError {
  override readonly name = "LimitExceededError";
  readonly odooName = "odoo.exceptions.UserError";
  readonly exceptionType = "user_error";
}

/** The database cannot be reached (or answered too late): nothing of the request was written; retry. */
export class StoreUnavailableError extends PosSyncError {
  override readonly name = "StoreUnavailableError";
  readonly odooName = "odoo.exceptions.UserError";
  readonly exceptionType = "user_error";
}
