import type { Bus } from "../../bus/bus.ts";
import type { KnownTerminals } from "../../bus/known-terminals.ts";
import type { Monitor } from "../../console/monitor.ts";
import { phaseTiming } from "../../metrics/phase-timing.ts";
import type { Notification } from "../../db/store.ts";
import { AccessDeniedError, LimitExceededError } from "../../errors.ts";
import { CHANNEL, channelOf, parseChannel } from "../../protocol/channels.ts";
import { pingParamsSchema, pollParamsSchema, sendParamsSchema } from "../../protocol/messages.ts";
import { ROUTES } from "../../protocol/routes.ts";
import type { Access } from "../access.ts";
import type { Caller } from "../caller.ts";
import { HeldPollLimit } from "../client-limits.ts";
import { RawJson, rpcRoute, type RouteFamily } from "../route.ts";

export interface LongpollingSettings {
  maxChannelsPerPoll: number;
  maxPollsPerClient: number;
}

/** docs/protocol.md, "Polling and cursors": the poll, /longpolling/send and the PING/PONG check. */
export function longpollingRoutes(
  { bus, access, knownTerminals, monitor }: { bus: Bus; access: Access; knownTerminals: KnownTerminals; monitor: Monitor },
  settings: LongpollingSettings,
): RouteFamily {
  const heldPolls = new HeldPollLimit(settings.maxPollsPerClient);
  const { presence } = monitor;

  /** The poll itself, counted per client and watched by presence. Not async: .then keeps less alive while it is held. */
  function held(channels: readonly string[], last: number, peek: boolean, caller: Caller): Promise<RawJson> {
    const address = caller.clientAddress;
    if (!peek) heldPolls.acquire(address);
    presence.pollStarted(channels, address);
    const ended = (notifications: Notification[]) => {
      presence.pollEnded(channels, notifications);
      if (!peek) heldPolls.release(address);
    };
    return bus.poll(channels, last, peek ? { peek } : { client: caller }).then(
      (notifications) => {
        if (!peek) phaseTiming.woken(notifications, caller);
        ended(notifications);
        return notificationsJson(notifications);
      },
      (error: unknown) => {
        ended([]);
        throw error;
      },
    );
  }

  return {
    // Not async, like held(): a poll waits in fewer promises.
    [ROUTES.poll]: rpcRoute(pollParamsSchema, ({ channels, last, options }, caller) => {
      if (channels.length > settings.maxChannelsPerPoll) {
        throw new LimitExceededError(`channels: at most ${settings.maxChannelsPerPoll} channels per poll (POS_SYNC_MAX_CHANNELS_PER_POLL)`);
      }
      if (access.keyed) access.requireDatabases(caller, channels.map(databaseOf));
      bus.scopeOfPoll(channels);
      const peek = options.peek === true;
      const remembering = knownTerminals.seenPolling(channels);
      return remembering ? remembering.then(() => held(channels, last, peek, caller)) : held(channels, last, peek, caller);
    }),

    [ROUTES.send]: rpcRoute(sendParamsSchema, async (params, caller) => {
      access.requireBackend(caller);
      await bus.send(params.channel, params.message);
      return 1;
    }),

    [ROUTES.ping]: rpcRoute(pingParamsSchema, async (params, caller) => {
      access.requireDatabases(caller, [params.db_name]);
      monitor.presence.pinged(params.db_name, params.pos_id);
      await bus.send(channelOf(params.db_name, CHANNEL.longpolling, params.pos_id), "PONG");
      return 1;
    }),
  };
}

/** In keyed mode every polled channel must name its database. */
function databaseOf(channel: string): string {
  const parts = parseChannel(channel);
  if (!parts) throw new AccessDeniedError(`Access denied: channel ${JSON.stringify(channel)} names no database`);
  return parts.dbname;
}

/** Stored messages are JSON text already: spliced in, not parsed and stringified again. */
function notificationsJson(notifications: readonly Notification[]): RawJson {
  let json = "[";
  for (let i = 0; i < notifications.length; i++) {
    const { id, channel, message } = notifications[i]!;
    json += `${i === 0 ? "" : ","}{"id":${id},"channel":${JSON.stringify(channel)},"message":${message}}`;
  }
  return new RawJson(`${json}]`);
}
