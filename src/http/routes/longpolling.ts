import type { ServerResponse } from "node:http";
import { getConnInfo } from "@hono/node-server/conninfo";
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { PollOptions } from "../../bus/bus.ts";
import { channelOf, LONGPOLLING_CHANNEL, parseChannel } from "../../bus/channel.ts";
import type { Notification } from "../../db/store.ts";
import { AccessDeniedError, LimitExceededError } from "../../errors.ts";
import { dbnameSchema, integer } from "../../sync/messages.ts";
import type { AppDeps } from "../app.ts";
import { HeldPollLimit } from "../client-limits.ts";
import { RawJson, rpcHandler } from "../rpc-handler.ts";

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

/** Section 3 and 4: /longpolling/poll, /longpolling/send and the PING/PONG check. */
export function longpollingRoutes({ bus, access, knownTerminals, config }: AppDeps): Hono {
  const heldPolls = new HeldPollLimit(config.maxPollsPerClient);
  const app = new Hono();

  app.post(
    "/longpolling/poll",
    rpcHandler(pollParams, config.bodyLimit, async ({ params, c }) => {
      const { channels, last, options } = params;
      if (channels.length > config.maxChannelsPerPoll) {
        throw new LimitExceededError(`channels: at most ${config.maxChannelsPerPoll} channels per poll (POS_SYNC_MAX_CHANNELS_PER_POLL)`);
      }
      if (access.keyed) access.requireDatabases(c, channels.map(databaseOf));
      await knownTerminals.seenPolling(channels);
      if (options.peek) return notificationsJson(await bus.poll(channels, last, { peek: true }));
      const release = heldPolls.acquire(getConnInfo(c).remote.address ?? "unknown");
      try {
        return notificationsJson(await bus.poll(channels, last, { onClientGone: clientGone(c) }));
      } finally {
        release();
      }
    }),
  );

  app.post(
    "/longpolling/send",
    rpcHandler(sendParams, config.bodyLimit, async ({ params, c }) => {
      access.requireBackend(c);
      await bus.send(params.channel, params.message);
      return 1;
    }),
  );

  app.post(
    "/pos_longpolling/update",
    rpcHandler(pingParams, config.bodyLimit, async ({ params, c }) => {
      access.requireDatabases(c, [params.db_name]);
      await bus.send(channelOf(params.db_name, LONGPOLLING_CHANNEL, params.pos_id), "PONG");
      return 1;
    }),
  );

  return app;
}

/** Node's response closes early when the client disconnects; web Request signals cost far more per poll. */
function clientGone(c: Context): PollOptions["onClientGone"] {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing) return undefined;
  return (gone) => {
    outgoing.once("close", gone);
    return () => outgoing.off("close", gone);
  };
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
