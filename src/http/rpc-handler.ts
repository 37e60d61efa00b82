import type { IncomingMessage, ServerResponse } from "node:http";
import type { Handler } from "hono";
import type { z } from "zod";
import { sendReply } from "./jsonrpc.ts";
import { readNodeBody } from "./read-body.ts";
import { bearerKey, NodeRpcRequest } from "./rpc-request.ts";
import { answerRpc, type RpcRoute } from "./rpc.ts";

/** Serves a JSON-RPC route through Hono, which runs on @hono/node-server (src/server.ts). */
export function rpcHandler<S extends z.ZodType>(route: RpcRoute<S>, bodyLimit: number): Handler {
  return async (c) => {
    const { incoming, outgoing } = c.env as { incoming: IncomingMessage; outgoing: ServerResponse };
    const request = new NodeRpcRequest(incoming, outgoing, c.req.param("key") || bearerKey(c.req.header("authorization")));
    return sendReply(c, await answerRpc(route, await readNodeBody(incoming, bodyLimit), bodyLimit, request));
  };
}
