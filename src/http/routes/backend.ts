import { Hono } from "hono";
import { z } from "zod";
import { dbnameSchema } from "../../sync/messages.ts";
import type { AppDeps } from "../app.ts";
import { rpcHandler } from "../rpc-handler.ts";
import { rpcRoute } from "../rpc.ts";

const channelName = z.string({ error: "expected a channel name" }).min(1, "expected a channel name");

const sendToChannelParams = z.object({
  dbname: dbnameSchema,
  pos_id: z.union([z.number().int(), z.string().min(1)], { error: "expected a POS id" }),
  channel_name: channelName,
  message: z.unknown().optional(),
});

const sendToAllParams = z.object({
  dbname: dbnameSchema,
  channel_name: channelName,
  data: z.unknown(),
});

/** Section 6 over HTTP, for a remote backend holding the backend key. */
export function backendRoutes({ access, push, config }: AppDeps): Hono {
  const app = new Hono();

  app.post(
    "/pos_longpolling/backend/send_to_channel",
    rpcHandler(
      rpcRoute(sendToChannelParams, async (params, request) => {
        access.requireBackend(request);
        return push.sendToChannelById(params.dbname, params.pos_id, params.channel_name, params.message);
      }),
      config.bodyLimit,
    ),
  );

  app.post(
    "/pos_longpolling/backend/send_to_all",
    rpcHandler(
      rpcRoute(sendToAllParams, async (params, request) => {
        access.requireBackend(request);
        return { sent: await push.sendToAllPoses(params.dbname, params.channel_name, params.data) };
      }),
      config.bodyLimit,
    ),
  );

  return app;
}
