import type { IncomingMessage, ServerResponse } from "node:http";
import type { Handler } from "hono";
import type { z } from "zod";
import type { FaultRules } from "../faults/fault-rules.ts";
import { sendReply } from "./jsonrpc.ts";
import { readNodeBody } from "./read-body.ts";
import { bearerKey, NodeRpcRequest } from "./rpc-request.ts";
import { answerRpc, type RpcRoute } from "./rpc.ts";

/** Serves a JSON-RPC route through Hono, which runs on @hono/node-server (src/server.ts). */
export function rpcHandler<S extends z.ZodType>(route: RpcRoute<S>, bodyLimit: number, faults?: FaultRules): Handler {
  return async (c) => {
    const { incoming, outgoing } = c.env as { incoming: IncomingMessage; outgoing: ServerResponse };
    const request = new NodeRpcRequest(incoming, outgoing, c.req.param("key") || bearerKey(c.req.header("authorization")));
    const body = await readNodeBody(incoming, bodyLimit);
    const fault = faults?.decideFromBody(c.req.routePath.replace(/^\/k\/:key/, ""), body);
    if (fault && !(await fault.beforeHandling(incoming, outgoing))) return alreadySent();
    const reply = await answerRpc(route, body, bodyLimit, request);
    if (fault && !(await fault.beforeReply(reply, incoming, outgoing))) return alreadySent();
    return sendReply(c, reply);
  };
}

/** The connection was closed on purpose: @hono/node-server must not write to it. */
function alreadySent(): Response {
  return new Response(null, { headers: { "x-hono-already-sent": "true" } });
}
