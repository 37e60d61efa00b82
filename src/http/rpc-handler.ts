import type { Context, Handler } from "hono";
import type { z } from "zod";
import { PosSyncError } from "../errors.ts";
import { parseOrThrow } from "../validation.ts";
import { BodyTooLarge, readBody } from "./read-body.ts";
import { envelopeSchema, sendApplicationError, sendProtocolError, sendResult, type RpcId } from "./jsonrpc.ts";

/** A result that is already JSON text, spliced into the reply without another stringify. */
export class RawJson {
  constructor(readonly json: string) {}
}

export interface RpcCall<P> {
  params: P;
  id: RpcId;
  c: Context;
}

/**
 * Wraps a JSON-RPC route: reads the envelope (413 past `bodyLimit`, 400 when it is not JSON or not JSON-RPC),
 * validates params with `schema`, runs `handle`, and turns domain errors into error bodies.
 */
export function rpcHandler<S extends z.ZodType>(
  schema: S,
  bodyLimit: number,
  handle: (call: RpcCall<z.output<S>>) => Promise<unknown>,
): Handler {
  return async (c) => {
    const text = await readBody(c, bodyLimit);
    if (text instanceof BodyTooLarge) {
      return sendProtocolError(c, 413, -32600, `Request body over the limit of ${bodyLimit} bytes (POS_SYNC_BODY_LIMIT)`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return sendProtocolError(c, 400, -32700, "Parse error: the body is not valid JSON");
    }
    const envelope = envelopeSchema.safeParse(body);
    if (!envelope.success) {
      return sendProtocolError(c, 400, -32600, "Invalid Request: expected a JSON-RPC 2.0 object with object params");
    }
    const { id, params } = envelope.data;
    try {
      const result = await handle({ params: parseOrThrow(schema, params), id, c });
      return sendResult(c, id, result instanceof RawJson ? result.json : JSON.stringify(result ?? null));
    } catch (error) {
      if (error instanceof PosSyncError) return sendApplicationError(c, id, error);
      throw error;
    }
  };
}
