import type { z } from "zod";
import { PosSyncError, ValidationError } from "../errors.ts";
import { parseOrThrow } from "../validation.ts";
import { applicationErrorReply, envelopeSchema, protocolErrorReply, resultReply, type RpcReply } from "./jsonrpc.ts";
import { MAX_JSON_DEPTH, pathTooDeep } from "./json-depth.ts";
import { BodyTooLarge } from "./read-body.ts";
import type { RpcRequest } from "./rpc-request.ts";

/** A result that is already JSON text, spliced into the reply without another stringify. */
export class RawJson {
  constructor(readonly json: string) {}
}

export interface RpcRoute<S extends z.ZodType> {
  params: S;
  handle(params: z.output<S>, request: RpcRequest): Promise<unknown>;
}

export function rpcRoute<S extends z.ZodType>(params: S, handle: RpcRoute<S>["handle"]): RpcRoute<S> {
  return { params, handle };
}

/**
 * One JSON-RPC call: 413 past the body limit, 400 when the body is not JSON or not JSON-RPC,
 * then params validated by the route's schema, and domain errors turned into error bodies.
 */
export async function answerRpc<S extends z.ZodType>(
  route: RpcRoute<S>,
  body: string | BodyTooLarge,
  bodyLimit: number,
  request: RpcRequest,
): Promise<RpcReply> {
  if (body instanceof BodyTooLarge) {
    return protocolErrorReply(413, -32600, `Request body over the limit of ${bodyLimit} bytes (POS_SYNC_BODY_LIMIT)`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return protocolErrorReply(400, -32700, "Parse error: the body is not valid JSON");
  }
  const envelope = envelopeSchema.safeParse(parsed);
  if (!envelope.success) {
    return protocolErrorReply(400, -32600, "Invalid Request: expected a JSON-RPC 2.0 object with object params");
  }
  const { id, params } = envelope.data;
  try {
    const tooDeep = pathTooDeep(params);
    if (tooDeep) throw new ValidationError(`Invalid params: ${tooDeep}: nested deeper than ${MAX_JSON_DEPTH} levels`);
    const result = await route.handle(parseOrThrow(route.params, params), request);
    return resultReply(id, result instanceof RawJson ? result.json : JSON.stringify(result ?? null));
  } catch (error) {
    if (error instanceof PosSyncError) return applicationErrorReply(id, error);
    throw error;
  }
}
