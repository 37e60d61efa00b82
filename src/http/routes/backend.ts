import type { BackendPush } from "../../bus/backend-push.ts";
import { sendToAllParamsSchema, sendToChannelParamsSchema } from "../../protocol/messages.ts";
import { ROUTES } from "../../protocol/routes.ts";
import type { Access } from "../access.ts";
import { rpcRoute, type RouteFamily } from "../route.ts";

/** The backend push of docs/protocol.md over HTTP, for a remote backend holding the backend key. */
export function backendRoutes({ access, push }: { access: Access; push: BackendPush }): RouteFamily {
  return {
    [ROUTES.backendSendToChannel]: rpcRoute(sendToChannelParamsSchema, async (params, caller) => {
      access.requireBackend(caller);
      return push.sendToChannelById(params.dbname, params.pos_id, params.channel_name, params.message);
    }),

    [ROUTES.backendSendToAll]: rpcRoute(sendToAllParamsSchema, async (params, caller) => {
      access.requireBackend(caller);
      return { sent: await push.sendToAllPoses(params.dbname, params.channel_name, params.data) };
    }),
  };
}
