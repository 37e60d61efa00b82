import type { Bus } from "../bus/bus.ts";
import type { KnownTerminals } from "../bus/known-terminals.ts";
import { AccessDeniedError, LimitExceededError } from "../errors.ts";
import type { Access } from "../http/access.ts";
import type { Caller } from "../http/caller.ts";
import { type Feature, rpcRoute } from "../http/route.ts";
import { CHANNEL, channelOf, parseChannel } from "../protocol/channels.ts";
import { pingParamsSchema, pollParamsSchema, sendParamsSchema } from "../protocol/messages.ts";
import { ROUTES } from "../protocol/routes.ts";
import { HeldPollLimit } from "./held-poll-limit.ts";
import { PollCall, type PollEnding } from "./poll-call.ts";
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

  const ending: PollEnding = {
    pollEnded(channels, notifications, caller, peek, address) {
      for (const observer of observers) observer.pollEnded?.(channels, notifications, caller, peek);
      if (!peek) heldPolls.release(address);
    },
  };

  /** The poll itself, counted per client and watched by the observers; throws when the client holds too many. */
  function held(poll: PollCall, channels: readonly string[], last: number, peek: boolean, caller: Caller): void {
    if (!peek) heldPolls.acquire(poll.address);
    for (const observer of observers) observer.pollStarted?.(channels, poll.address, last);
    if (!peek) bus.hold(channels, last, poll, caller);
    else
      bus.poll(channels, last, { peek }).then(
        (notifications) => poll.answered(notifications),
        (error: unknown) => poll.failed(error),
      );
  }

  return {
    routes: [
      streamRoute(
        { bus, access, knownTerminals, observers },
        { maxChannelsPerStream: settings.maxChannelsPerPoll, maxStreamsPerClient: settings.maxPollsPerClient, heartbeatMs: settings.streamHeartbeatMs },
      ),
      // Not async: a poll waits in fewer promises.
      rpcRoute(ROUTES.poll, pollParamsSchema, ({ channels, last, options }, call) => {
        if (channels.length > settings.maxChannelsPerPoll) {
          throw new LimitExceededError(`channels: at most ${settings.maxChannelsPerPoll} channels per poll (POS_SYNC_MAX_CHANNELS_PER_POLL)`);
        }
        const caller = call.caller;
        if (access.keyed) access.requireDatabases(caller, channels.map(databaseOf));
        bus.scopeOfPoll(channels);
        const peek = options.peek === true;
        const remembering = knownTerminals.seenPolling(channels);
        // One promise per poll, whichever way it starts: a promise resolved with another keeps both.
        return new Promise((resolve, reject) => {
          const poll = new PollCall(channels, caller, caller.clientAddress, peek, ending, resolve, reject);
          if (remembering) remembering.then(() => held(poll, channels, last, peek, caller)).catch(reject);
          else held(poll, channels, last, peek, caller);
        });
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
