import type { BackendPush } from "../bus/backend-push.ts";
import type { Access } from "../http/access.ts";
import { type Feature, rpcRoute } from "../http/route.ts";
import { sendToAllParamsSchema, sendToChannelParamsSchema } from "../protocol/messages.ts";
import { ROUTES } from "../protocol/routes.ts";

/** The backend push of docs/protocol.md over HTTP, for a remote backend holding the backend key. */
export function backendFeature({ access, push }: { access: Access; push: BackendPush }): Feature {
  return {
    routes: [
      rpcRoute(ROUTES.backendSendToChannel, sendToChannelParamsSchema, async (params, call) => {
        access.requireBackend(call.caller);
        return push.sendToChannelById(params.dbname, params.pos_id, params.channel_name, params.message);
      }),

      rpcRoute(ROUTES.backendSendToAll, sendToAllParamsSchema, async (params, call) => {
        access.requireBackend(call.caller);
        return { sent: await push.sendToAllPoses(params.dbname, params.channel_name, params.data) };
      }),
    ],
  };
}
