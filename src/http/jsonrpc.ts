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

const JSON_HEADERS = { "Content-Type": "application/json" };

/** A success body around `resultJson`, already-serialised JSON, so hot routes can splice stored text in. */
export function resultBody(id: RpcId, resultJson: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`;
}

export function sendResult(c: Context, id: RpcId, resultJson: string): Response {
  return c.body(resultBody(id, resultJson), 200, JSON_HEADERS);
}

/** Application errors travel with HTTP 200, as Odoo clients read them from the body. */
export function sendApplicationError(c: Context, id: RpcId, error: PosSyncError): Response {
  const body = {
    jsonrpc: "2.0",
    id,
    error: {
      code: 200,
      message: "Odoo Server Error",
      data: {
        name: error.odooName,
        message: error.message,
        arguments: [error.message],
        exception_type: error.exceptionType,
        debug: "",
      },
    },
  };
  return c.body(JSON.stringify(body), 200, JSON_HEADERS);
}

export function sendProtocolError(c: Context, status: 400 | 413 | 404 | 500, code: number, message: string): Response {
  const body = { jsonrpc: "2.0", id: null, error: { code, message, data: { name: "pos_sync.ProtocolError", message } } };
  return c.body(JSON.stringify(body), status, JSON_HEADERS);
}
