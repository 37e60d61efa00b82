import { z } from "zod";

/** Odoo's JSON-RPC "call" envelope around every request. */
export const envelopeSchema = z.object({
  jsonrpc: z.literal("2.0"),
  method: z.string().optional(),
  params: z.record(z.string(), z.unknown()).optional().default({}),
  id: z.union([z.number(), z.string(), z.null()]).optional().default(null),
});

export type Envelope = z.infer<typeof envelopeSchema>;
export type RpcId = Envelope["id"];

/** `error.data` of an application error (sent with HTTP 200, as Odoo clients read it from the body). */
export interface ErrorData {
  name: string;
  message: string;
  arguments?: unknown[];
  exception_type?: string;
  debug?: string;
}

/** JSON-RPC error codes of requests that are not calls at all or hit no route (sent with HTTP 400/404/413/500). */
export const PROTOCOL_ERROR = {
  parseError: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  internalError: -32603,
} as const;

export { APPLICATION_ERROR } from "./application-error.ts";
