import { LimitExceededError, ProtocolError, PosSyncError, StoreUnavailableError, ValidationError } from "../errors.ts";
import { APPLICATION_ERROR, PROTOCOL_ERROR, type RpcId } from "../protocol/envelope.ts";

/** A JSON-RPC reply, whichever entry (socket or direct) sends it. */
export interface RpcReply {
  status: number;
  body: string;
  /** For metrics: the application error's exception_type, or the kind of protocol error. */
  errorType?: string;
}

/** A success body around `resultJson`, already-serialised JSON, so hot routes can splice stored text in. */
export function resultReply(id: RpcId, resultJson: string): RpcReply {
  return { status: 200, body: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}` };
}

/**
 * The one place errors become replies, one shape per kind of route.
 *
 * JSON-RPC routes (and requests for no route): protocol errors keep their HTTP status, domain
 * errors travel with HTTP 200 as Odoo clients read them from the body, anything else is a 500.
 *
 * "database unavailable" is the exception: HTTP 503 with the same body. The original POS
 * (pos_multi_session's MultiSession.send) takes an HTTP failure (error.data.type "xhrerror") for
 * a lost connection: it goes offline and re-syncs every few seconds until an answer comes, then
 * sends again what the server lacks. A JSON-RPC error reaches that branch only through a quirk
 * (`error.data.name.search("NotFound")` is -1, truthy); the 503 also tells proxies and monitors.
 */
export function errorReply(id: RpcId, error: unknown): RpcReply {
  if (error instanceof ProtocolError) return protocolErrorReply(error.status, error.code, error.message);
  if (error instanceof PosSyncError) return applicationErrorReply(id, error);
  return protocolErrorReply(500, PROTOCOL_ERROR.internalError, "Internal error");
}

/** Whether `error` is one the protocol expects (a bad request), as opposed to a failure worth logging. */
export function isExpectedError(error: unknown): boolean {
  return error instanceof ProtocolError || error instanceof PosSyncError;
}

function applicationErrorReply(id: RpcId, error: PosSyncError): RpcReply {
  const message = error instanceof ValidationError ? `Invalid params: ${error.message}` : error.message;
  const data = { name: error.odooName, message, arguments: [message], exception_type: error.exceptionType, debug: "" };
  return {
    status: error instanceof StoreUnavailableError ? 503 : 200,
    body: JSON.stringify({ jsonrpc: "2.0", id, error: { ...APPLICATION_ERROR, data } }),
    errorType: error.exceptionType,
  };
}

export function protocolErrorReply(status: 400 | 404 | 413 | 500, code: number, message: string): RpcReply {
  const body = JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message, data: { name: "pos_sync.ProtocolError", message } } });
  return { status, body, errorType: status === 413 ? "body_too_large" : (PROTOCOL_ERROR_TYPES[code] ?? "protocol_error") };
}

const PROTOCOL_ERROR_TYPES: Record<number, string> = {
  [PROTOCOL_ERROR.parseError]: "parse_error",
  [PROTOCOL_ERROR.invalidRequest]: "invalid_request",
  [PROTOCOL_ERROR.methodNotFound]: "no_route",
  [PROTOCOL_ERROR.internalError]: "internal_error",
};

/** A plain route's error reply: `{"error": "<why>", "field"?: "<field>"}` with the error's HTTP status. */
export function plainErrorReply(error: unknown): { status: number; body: string; errorType: string } {
  if (error instanceof ProtocolError) {
    return { status: error.status, body: JSON.stringify({ error: error.message }), errorType: error.status === 413 ? "body_too_large" : "protocol_error" };
  }
  if (error instanceof PosSyncError) {
    const field = error instanceof ValidationError || error instanceof LimitExceededError ? error.field : undefined;
    return {
      status: error.httpStatus,
      body: JSON.stringify(field === undefined ? { error: error.message } : { error: error.message, field }),
      errorType: error.exceptionType,
    };
  }
  return { status: 500, body: JSON.stringify({ error: "Internal error" }), errorType: "internal_error" };
}
