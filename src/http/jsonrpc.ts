import type { Context } from "hono";
import { z } from "zod";
import type { PosSyncError } from "../errors.ts";

/** Odoo's JSON-RPC "call" envelope. */
export const envelopeSchema = z.object({
  jsonrpc: z.literal("2.0"),
  method: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional().default({}),
  id: z.union([z.number(), z.string(), z.null()]).optional().default(null),
});

export type RpcId = z.infer<typeof envelopeSchema>["id"];

/** A reply, whichever server sends it. */
export interface RpcReply {
  status: number;
  body: string;
  /** For metrics: the error's exception_type, or the protocol error's kind. */
  errorType?: string;
}

/** Context variable where sendReply leaves the error type for the request metrics (src/metrics/). */
export const REPLY_ERROR_TYPE = "replyErrorType";

export const JSON_HEADERS = { "Content-Type": "application/json" };

/** A success body around `resultJson`, already-serialised JSON, so hot routes can splice stored text in. */
export function resultReply(id: RpcId, resultJson: string): RpcReply {
  return { status: 200, body: `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}` };
}

/** Application errors travel with HTTP 200, as Odoo clients read them from the body. */
export function applicationErrorReply(id: RpcId, error: PosSyncError): RpcReply {
  const data = { name: error.odooName, message: error.message, arguments: [error.message], exception_type: error.exceptionType, debug: "" };
  return {
    status: 200,
    body: JSON.stringify({ jsonrpc: "2.0", id, error: { code: 200, message: "Odoo Server Error", data } }),
    errorType: error.exceptionType,
  };
}

/** Requests that are not JSON-RPC calls at all, or that hit no route. */
export function protocolErrorReply(status: 400 | 404 | 413 | 500, code: number, message: string): RpcReply {
  const errorType = status === 413 ? "body_too_large" : (PROTOCOL_ERROR_TYPES[code] ?? "protocol_error");
  return { status, body: JSON.stringify({ jsonrpc: "2.0", id: null, error: { code, message, data: { name: "pos_sync.ProtocolError", message } } }), errorType };
}

const PROTOCOL_ERROR_TYPES: Record<number, string> = { [-32700]: "parse_error", [-32600]: "invalid_request", [-32601]: "no_route", [-32603]: "internal_error" };

export function sendReply(c: Context, reply: RpcReply): Response {
  if (reply.errorType) c.set(REPLY_ERROR_TYPE, reply.errorType);
  return c.body(reply.body, reply.status as 200, JSON_HEADERS);
}
