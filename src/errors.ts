/**
 * The few errors domain code throws. The HTTP layer turns each into one JSON-RPC error body
 * (errorReply in src/http/replies.ts); `odooName` and `exceptionType` are what Odoo clients read there.
 */
export abstract class PosSyncError extends Error {
  abstract readonly odooName: string;
  abstract readonly exceptionType: string;
}

/** Bad input: the message names the field ("channels[1]: only string channels are allowed"); the reply prefixes "Invalid params: ". */
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

/**
 * A request that is no JSON-RPC call at all (400), too large (413) or for no route (404). Unlike
 * the errors above it is answered with that HTTP status, outside any call, so `id` is null.
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";

  constructor(
    readonly status: 400 | 404 | 413,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The database cannot be reached (or answered too late): nothing of the request was written; retry. */
export class StoreUnavailableError extends PosSyncError {
  override readonly name = "StoreUnavailableError";
  readonly odooName = "odoo.exceptions.UserError";
  readonly exceptionType = "user_error";
}
