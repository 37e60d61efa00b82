import { Hono } from "hono";
import { z } from "zod";
import { channelOf, LONGPOLLING_CHANNEL, parseChannel } from "../../bus/channel.ts";
import type { Notification } from "../../db/store.ts";
import { AccessDeniedError, LimitExceededError } from "../../errors.ts";
import { phaseTiming } from "../../metrics/phase-timing.ts";
import { dbnameSchema, integer } from "../../sync/messages.ts";
import type { AppDeps } from "../app.ts";
import { HeldPollLimit } from "../client-limits.ts";
import { rpcHandler } from "../rpc-handler.ts";
import { RawJson, rpcRoute } from "../rpc.ts";

const pollParams = z.object({
  channels: z.array(z.string({ error: "only string channels are allowed" }), { error: "expected a list of channels" }),
  last: z.number({ error: "expected a notification id (integer >= 0)" }).int().min(0).optional().default(0),
  options: z.object({ peek: z.boolean().optional() }).loose().optional().default({}),
});

const sendParams = z.object({
  channel: z.string({ error: "only string channels are allowed" }),
  message: z.unknown(),
});

const pingParams = z.object({
  message: z.string().optional().default("PING"),
  pos_id: integer("a POS id"),
  db_name: dbnameSchema,
});

export type PollDeps = Pick<AppDeps, "bus" | "access" | "knownTerminals" | "config">;

/**
 * /longpolling/poll (section 3). Served by Node's own HTTP server (native-poll.ts), not Hono:
 * a held poll through the Hono adapter costs a quarter more memory.
 */
export function pollRoute({ bus, access, knownTerminals, config }: PollDeps) {
  const heldPolls = new HeldPollLimit(config.maxPollsPerClient);
  return rpcRoute(pollParams, async ({ channels, last, options }, request) => {
    if (channels.length > config.maxChannelsPerPoll) {
      throw new LimitExceededError(`channels: at most ${config.maxChannelsPerPoll} channels per poll (POS_SYNC_MAX_CHANNELS_PER_POLL)`);
    }
    if (access.keyed) access.requireDatabases(request, channels.map(databaseOf));
    await knownTerminals.seenPolling(channels);
    if (options.peek) return notificationsJson(await bus.poll(channels, last, { peek: true }));
    const release = heldPolls.acquire(request.clientAddress);
    try {
      const notifications = await bus.poll(channels, last, { onClientGone: (gone) => request.onClientGone(gone) });
      phaseTiming.woken(notifications, request);
      return notificationsJson(notifications);
    } finally {
      release();
    }
  });
}

/** Sections 3 and 4 but the poll itself: /longpolling/send and the PING/PONG check. */
export function longpollingRoutes({ bus, access, config }: AppDeps): Hono {
  const app = new Hono();

  app.post(
    "/longpolling/send",
    rpcHandler(
      rpcRoute(sendParams, async (params, request) => {
        access.requireBackend(request);
        await bus.send(params.channel, params.message);
        return 1;
      }),
      config.bodyLimit,
    ),
  );

  app.post(
    "/pos_longpolling/update",
    rpcHandler(
      rpcRoute(pingParams, async (params, request) => {
        access.requireDatabases(request, [params.db_name]);
        await bus.send(channelOf(params.db_name, LONGPOLLING_CHANNEL, params.pos_id), "PONG");
        return 1;
      }),
      config.bodyLimit,
    ),
  );

  return app;
}

/** In keyed mode every polled channel must name its database. */
function databaseOf(channel: string): string {
  const parts = parseChannel(channel);
  if (!parts) throw new AccessDeniedError(`Access denied: channel ${JSON.stringify(channel)} names no database`);
  return parts.dbname;
}

function notificationsJson(notifications: readonly Notification[]): RawJson {
  let json = "[";
  for (let i = 0; i < notifications.length; i++) {
    const { id, channel, message } = notifications[i]!;
    json += `${i === 0 ? "" : ","}{"id":${id},"channel":${JSON.stringify(channel)},"message":${message}}`;
  }
  return new RawJson(json + "]");
}
