import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Handler } from "hono";
import type { z } from "zod";
import { sendReply } from "./jsonrpc.ts";
import { readBody } from "./read-body.ts";
import { bearerKey, type RpcRequest } from "./rpc-request.ts";
import { answerRpc, type RpcRoute } from "./rpc.ts";

/** Serves a JSON-RPC route through Hono. */
export function rpcHandler<S extends z.ZodType>(route: RpcRoute<S>, bodyLimit: number): Handler {
  return async (c) => sendReply(c, await answerRpc(route, await readBody(c, bodyLimit), bodyLimit, requestOf(c)));
}

function requestOf(c: Context): RpcRequest {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  return {
    key: c.req.param("key") || bearerKey(c.req.header("authorization")),
    clientAddress: env?.incoming?.socket.remoteAddress ?? "unknown",
    header: (name) => c.req.header(name),
    onClientGone(gone) {
      const outgoing = env?.outgoing;
      if (!outgoing) return () => undefined;
      outgoing.once("close", gone);
      return () => outgoing.off("close", gone);
    },
  };
}
