/**
 * The few errors domain code throws. The door turns each into one error body, in one place
 * (src/http/replies.ts): a JSON-RPC error for JSON-RPC routes, where `odooName` and
 * `exceptionType` are what Odoo clients read, and `{"error", "field"?}` with `httpStatus` for
 * plain routes.
 */
export abstract class PosSyncError extends Error {
  abstract readonly odooName: string;
  abstract readonly exceptionType: string;
  /** The status of a plain route's reply (JSON-RPC replies carry domain errors with HTTP 200). */
  readonly httpStatus: number = 400;
}

/** Bad input: the message names the field ("channels[1]: only string channels are allowed"); the reply prefixes "Invalid params: ". */
export class ValidationError extends PosSyncError {
  override readonly name: string = "ValidationError";
  readonly odooName = "odoo.exceptions.ValidationError";
  readonly exceptionType = "validation_error";

  constructor(
    message: string,
    /** The field at fault, when a plain route's reply should name it apart. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** What Odoo clients read as a UserError: a message for the user, not a fault of the input's shape. */
abstract class UserError extends PosSyncError {
  readonly odooName = "odoo.exceptions.UserError";
  readonly exceptionType = "user_error";
}

/** Missing, wrong or foreign key. The message never contains a key. */
export class AccessDeniedError extends PosSyncError {
  override readonly name = "AccessDeniedError";
  readonly odooName = "odoo.exceptions.AccessDenied";
  readonly exceptionType = "access_denied";

  constructor(
    message: string,
    /** 401: no key, or one that opens nothing; 403: a key or place that may not. */
    override readonly httpStatus: 401 | 403 = 403,
  ) {
    super(message);
  }
}

/** A plain route's thing that is not there (a fault rule, a multi-session). */
export class NotFoundError extends UserError {
  override readonly name = "NotFoundError";
  override readonly httpStatus = 404;
}

/** A route that exists but is switched off by configuration (a plain route answers 404). */
export class FeatureDisabledError extends UserError {
  override readonly name = "FeatureDisabledError";
  override readonly httpStatus = 404;
}

/** A configured limit that keeps one client from hurting the others. */
export class LimitExceededError extends UserError {
  override readonly name = "LimitExceededError";

  constructor(
    message: string,
    /** The input that went past the limit, when a plain route's reply should name it apart. */
    readonly field?: string,
    /** 429 where a client should come back later (an event stream's limits). */
    override readonly httpStatus: 400 | 429 = 400,
  ) {
    super(message);
  }
}

/**
 * A request that is no JSON-RPC call at all (400) or too large (413). Unlike the errors above it
 * is answered with that HTTP status and, its id unread, `id` null. (A request for no route gets
 * its 404 from the door directly.)
 */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";

  constructor(
    readonly status: 400 | 413,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The database cannot be reached (or answered too late): nothing of the request was written; retry. */
export class StoreUnavailableError extends UserError {
  override readonly name = "StoreUnavailableError";
}
