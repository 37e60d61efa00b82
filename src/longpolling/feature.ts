import type { Bus } from "../bus/bus.ts";
import type { KnownTerminals } from "../bus/known-terminals.ts";
import type { Notification } from "../db/contracts/notification-log.ts";
import { AccessDeniedError, LimitExceededError } from "../errors.ts";
import type { Access } from "../http/access.ts";
import type { Caller } from "../http/caller.ts";
import { type Feature, RawJson, rpcRoute } from "../http/route.ts";
import { CHANNEL, channelOf, parseChannel } from "../protocol/channels.ts";
import { pingParamsSchema, pollParamsSchema, sendParamsSchema } from "../protocol/messages.ts";
import { ROUTES } from "../protocol/routes.ts";
import { HeldPollLimit } from "./held-poll-limit.ts";
import type { PollObserver } from "./poll-observer.ts";
import { streamRoute } from "./stream.ts";

export type { PollObserver } from "./poll-observer.ts";

export interface LongpollingSettings {
  maxChannelsPerPoll: number;
  maxPollsPerClient: number;
  /** How often an open event stream gets a comment, so proxies keep it open. */
  streamHeartbeatMs: number;
}

export interface LongpollingDeps {
  bus: Bus;
  access: Access;
  knownTerminals: KnownTerminals;
  observers: readonly PollObserver[];
}

/** docs/protocol.md, "Polling and cursors": the poll, /longpolling/send and the PING/PONG check. */
export function longpollingFeature({ bus, access, knownTerminals, observers }: LongpollingDeps, settings: LongpollingSettings): Feature {
  const heldPolls = new HeldPollLimit(settings.maxPollsPerClient);

  /** The poll itself, counted per client and watched by the observers. Not async: .then keeps less alive while it is held. */
  function held(channels: readonly string[], last: number, peek: boolean, caller: Caller): Promise<RawJson> {
    const address = caller.clientAddress;
    if (!peek) heldPolls.acquire(address);
    for (const observer of observers) observer.pollStarted?.(channels, address, last);
    const ended = (notifications: Notification[]) => {
      for (const observer of observers) observer.pollEnded?.(channels, notifications, caller, peek);
      if (!peek) heldPolls.release(address);
    };
    return bus.poll(channels, last, peek ? { peek } : { client: caller }).then(
      (notifications) => {
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
    routes: [
      streamRoute(
        { bus, access, knownTerminals, observers },
        { maxChannelsPerStream: settings.maxChannelsPerPoll, maxStreamsPerClient: settings.maxPollsPerClient, heartbeatMs: settings.streamHeartbeatMs },
      ),
      // Not async, like held(): a poll waits in fewer promises.
      rpcRoute(ROUTES.poll, pollParamsSchema, ({ channels, last, options }, call) => {
        if (channels.length > settings.maxChannelsPerPoll) {
          throw new LimitExceededError(`channels: at most ${settings.maxChannelsPerPoll} channels per poll (POS_SYNC_MAX_CHANNELS_PER_POLL)`);
        }
        const caller = call.caller;
        if (access.keyed) access.requireDatabases(caller, channels.map(databaseOf));
        bus.scopeOfPoll(channels);
        const peek = options.peek === true;
        const remembering = knownTerminals.seenPolling(channels);
        return remembering ? remembering.then(() => held(channels, last, peek, caller)) : held(channels, last, peek, caller);
      }),

      rpcRoute(ROUTES.send, sendParamsSchema, async (params, call) => {
        access.requireBackend(call.caller);
        await bus.send(params.channel, params.message);
        return 1;
      }),

      rpcRoute(ROUTES.ping, pingParamsSchema, async (params, call) => {
        access.requireDatabases(call.caller, [params.db_name]);
        for (const observer of observers) observer.pinged?.(params.db_name, params.pos_id);
        await bus.send(channelOf(params.db_name, CHANNEL.longpolling, params.pos_id), "PONG");
        return 1;
      }),
    ],
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
