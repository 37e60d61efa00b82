import type { IncomingMessage, ServerResponse } from "node:http";
import type { BusStream } from "../../bus/bus-stream.ts";
import type { Bus } from "../../bus/bus.ts";
import type { KnownTerminals } from "../../bus/known-terminals.ts";
import type { Presence } from "../../console/presence.ts";
import type { Notification } from "../../db/store.ts";
import { AccessDeniedError, LimitExceededError, PosSyncError, ValidationError } from "../../errors.ts";
import type { Logger } from "../../log.ts";
import { CHANNEL, parseChannel } from "../../protocol/channels.ts";
import { streamQuerySchema } from "../../protocol/messages.ts";
import { STREAM_ROUTE } from "../../protocol/routes.ts";
import type { Access } from "../access.ts";
import { bearerKey, headerValue } from "../caller.ts";
import { HeldPollLimit } from "../client-limits.ts";
import { splitKeyPrefix } from "../paths.ts";

export interface StreamSettings {
  maxChannelsPerStream: number;
  maxStreamsPerClient: number;
  heartbeatMs: number;
}

export interface StreamDeps {
  bus: Bus;
  access: Access;
  knownTerminals: KnownTerminals;
  presence: Presence;
  log: Logger;
}

/** GET /longpolling/stream, served straight on Node's request and response (a stream never ends by itself). */
export interface StreamRoute {
  /** The key of the /k/<key> prefix (or "" without one) when `path` (as routingPath made it) is the stream, else undefined. */
  match(method: string | undefined, path: string): string | undefined;
  /** Serves the stream; `headers` (CORS) go on every answer. Calls `done` once, when the response is over. */
  serve(req: IncomingMessage, res: ServerResponse, pathKey: string, headers: Readonly<Record<string, string>>, done: () => void): void;
  /** Streams open right now. */
  readonly open: number;
}

/** A slow reader whose unsent events pass this is cut off; it resumes from its Last-Event-ID, losing nothing. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * The Server-Sent Events transport beside the long-poll (docs/protocol.md, "Streaming"): the same
 * access rules and limits as a poll, one event per notification with its id, one shared
 * heartbeat timer for every open stream.
 */
export function streamRoute(deps: StreamDeps, settings: StreamSettings): StreamRoute {
  const limit = new HeldPollLimit(settings.maxStreamsPerClient, "open streams");
  const open = new Set<OpenStream>();
  let heartbeat: NodeJS.Timeout | undefined;
  const beat = (): void => {
    for (const stream of open) stream.comment();
  };

  function opened(stream: OpenStream): void {
    open.add(stream);
    heartbeat ??= setInterval(beat, settings.heartbeatMs).unref();
  }

  function closed(stream: OpenStream): void {
    if (!open.delete(stream) || open.size > 0) return;
    clearInterval(heartbeat);
    heartbeat = undefined;
  }

  return {
    get open() {
      return open.size;
    },

    match(method, path) {
      if (method !== "GET") return undefined;
      const { key, route } = splitKeyPrefix(path);
      return route === STREAM_ROUTE ? (key ?? "") : undefined;
    },

    serve(req, res, pathKey, headers, done) {
      res.once("close", done);
      let request: StreamRequest;
      try {
        request = accept(req, pathKey || bearerKey(headerValue(req.headers.authorization)), deps.access, settings);
        // PostgreSQL counts ids per database: a stream, like a poll, names one database's channels.
        deps.bus.scopeOfPoll(request.channels);
      } catch (error) {
        refuse(res, headers, error, deps.log);
        return;
      }
      const address = req.socket.remoteAddress ?? "unknown";
      try {
        limit.acquire(address);
      } catch (error) {
        refuse(res, headers, error, deps.log);
        return;
      }
      const stream = new OpenStream(res, headers, request.channels, address, deps, {
        opened,
        ended: (self) => {
          closed(self);
          limit.release(address);
        },
      });
      const remembering = deps.knownTerminals.seenPolling(request.channels);
      if (remembering) remembering.then(() => stream.start(request.last));
      else stream.start(request.last);
    },
  };
}

interface StreamRequest {
  channels: string[];
  last: number;
}

/** The stream's valid channels and cursor, or a ValidationError / AccessDeniedError / LimitExceededError. */
function accept(req: IncomingMessage, key: string | undefined, access: Access, settings: StreamSettings): StreamRequest {
  const query = new URLSearchParams((req.url ?? "").split("?")[1] ?? "");
  const channelsText = query.get("channels");
  if (channelsText === null) throw new ValidationError("channels: required (a URL-encoded JSON list of channels)");
  let channels: unknown;
  try {
    channels = JSON.parse(channelsText);
  } catch {
    throw new ValidationError("channels: not valid JSON (expected a URL-encoded JSON list of channels)");
  }
  const lastEventId = headerValue(req.headers["last-event-id"]);
  const last = lastEventId ?? query.get("last") ?? undefined;
  const parsed = streamQuerySchema.safeParse({ channels, last });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [field, ...within] = issue.path.map(String);
    const where = field === "last" && lastEventId !== undefined ? "last (Last-Event-ID)" : `${field}${within.map((index) => `[${index}]`).join("")}`;
    throw new ValidationError(`${where}: ${issue.message}`);
  }
  const { channels: valid } = parsed.data;
  if (valid.length > settings.maxChannelsPerStream) {
    throw new LimitExceededError(`channels: at most ${settings.maxChannelsPerStream} channels per stream (POS_SYNC_MAX_CHANNELS_PER_POLL)`);
  }
  if (access.keyed) access.requireDatabases({ key }, valid.map(databaseOf));
  return parsed.data;
}

/** In keyed mode every channel must name its database. */
function databaseOf(channel: string): string {
  const parts = parseChannel(channel);
  if (!parts) throw new AccessDeniedError(`Access denied: channel ${JSON.stringify(channel)} names no database`);
  return parts.dbname;
}

/** Plain JSON, as the other non-JSON-RPC routes answer: `field` names the bad input. */
function refuse(res: ServerResponse, headers: Readonly<Record<string, string>>, error: unknown, log: Logger): void {
  const status = error instanceof ValidationError ? 400 : error instanceof AccessDeniedError ? 403 : error instanceof LimitExceededError ? 429 : 500;
  if (status === 500) log.error({ err: error, path: STREAM_ROUTE }, "request failed");
  const message = error instanceof PosSyncError ? error.message : "Internal error";
  const field = /^(channels|last)\b/.exec(message)?.[1];
  const body = JSON.stringify(field ? { error: message, field } : { error: message });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

interface StreamOwner {
  opened(stream: OpenStream): void;
  ended(stream: OpenStream): void;
}

/** One client's open stream: the bus subscription, the response it writes to, its presence. */
class OpenStream {
  private subscription: BusStream | undefined;
  private started = false;
  private over = false;
  /** Its PING/PONG channels: a PONG on one tells presence the terminal answered. */
  private readonly pongChannels: ReadonlySet<string>;

  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Readonly<Record<string, string>>,
    private readonly channels: readonly string[],
    private readonly address: string,
    private readonly deps: StreamDeps,
    private readonly owner: StreamOwner,
  ) {
    this.pongChannels = new Set(channels.filter((channel) => parseChannel(channel)?.name === CHANNEL.longpolling));
    res.once("close", this.gone);
  }

  start(last: number): void {
    if (this.over) return;
    this.started = true;
    this.deps.presence.pollStarted(this.channels, this.address);
    this.subscription = this.deps.bus.stream(this.channels, last, this);
  }

  opened(): void {
    if (this.over) return;
    this.owner.opened(this);
    this.res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      // nginx and similar proxies buffer responses unless told not to.
      "X-Accel-Buffering": "no",
      ...this.headers,
    });
    // The headers go out now, so a client knows the stream is open before the first event.
    this.res.write(": open\n\n");
  }

  deliver(notifications: Notification[]): void {
    let text = "";
    let pong = false;
    for (const { id, channel, message } of notifications) {
      text += `id: ${id}\ndata: {"id":${id},"channel":${JSON.stringify(channel)},"message":${message}}\n\n`;
      if (this.pongChannels.size > 0 && this.pongChannels.has(channel)) pong = true;
    }
    if (pong) {
      this.deps.presence.pollEnded(this.channels, notifications);
      this.deps.presence.pollStarted(this.channels, this.address);
    }
    this.res.write(text);
    if (this.res.writableLength > MAX_BUFFERED_BYTES) this.res.destroy();
  }

  comment(): void {
    this.res.write(":\n\n");
  }

  ended(error?: unknown): void {
    if (error !== undefined) {
      this.finish();
      refuse(this.res, this.headers, error, this.deps.log);
      return;
    }
    this.finish();
    this.res.end();
  }

  private readonly gone = (): void => {
    this.subscription?.stop();
    this.finish();
  };

  private finish(): void {
    if (this.over) return;
    this.over = true;
    this.res.off("close", this.gone);
    if (this.started) this.deps.presence.pollEnded(this.channels, []);
    this.owner.ended(this);
  }
}
