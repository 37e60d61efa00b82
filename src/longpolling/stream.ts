import type { BusStream } from "../bus/bus-stream.ts";
import type { Bus } from "../bus/bus.ts";
import type { KnownTerminals } from "../bus/known-terminals.ts";
import type { Notification } from "../db/contracts/notification-log.ts";
import { AccessDeniedError, LimitExceededError, ValidationError } from "../errors.ts";
import type { Access } from "../http/access.ts";
import type { Caller } from "../http/caller.ts";
import { type PlainRequest, type PlainRoute, plainRoute, type ReplySink, type StreamReply } from "../http/route.ts";
import { CHANNEL, parseChannel } from "../protocol/channels.ts";
import { streamQuerySchema } from "../protocol/messages.ts";
import { STREAM_ROUTE } from "../protocol/routes.ts";
import type { PollObserver } from "./poll-observer.ts";
import { HeldPollLimit } from "./held-poll-limit.ts";

export interface StreamSettings {
  maxChannelsPerStream: number;
  maxStreamsPerClient: number;
  heartbeatMs: number;
}

export interface StreamDeps {
  bus: Bus;
  access: Access;
  knownTerminals: KnownTerminals;
  observers: readonly PollObserver[];
}

/** A slow reader whose unsent events pass this is cut off; it resumes from its Last-Event-ID, losing nothing. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  // nginx and similar proxies buffer responses unless told not to.
  "X-Accel-Buffering": "no",
};

/**
 * GET /longpolling/stream, the Server-Sent Events transport beside the long-poll (docs/protocol.md,
 * "Streaming"): a streaming `terminal` route with CORS allowed, the same access rules and limits as
 * a poll, one event per notification with its id, one shared heartbeat timer for every open stream.
 * The reply's head goes out once the catch-up read succeeded, so a failed read is still answered
 * with its error status.
 */
export function streamRoute(deps: StreamDeps, settings: StreamSettings): PlainRoute {
  const limit = new HeldPollLimit(settings.maxStreamsPerClient, "open streams");
  const open = new Set<OpenStream>();
  let heartbeat: NodeJS.Timeout | undefined;
  const beat = (): void => {
    for (const stream of open) stream.comment();
  };
  const owner: StreamOwner = {
    opened(stream) {
      open.add(stream);
      heartbeat ??= setInterval(beat, settings.heartbeatMs).unref();
    },
    ended(stream, address) {
      limit.release(address);
      if (!open.delete(stream) || open.size > 0) return;
      clearInterval(heartbeat);
      heartbeat = undefined;
    },
  };

  return plainRoute("GET", STREAM_ROUTE, { access: "terminal", cors: "allow" }, (request) => {
    const { channels, last } = accept(request, deps.access, settings);
    // PostgreSQL counts ids per database: a stream, like a poll, names one database's channels.
    deps.bus.scopeOfPoll(channels);
    const address = request.caller.clientAddress;
    try {
      limit.acquire(address);
    } catch (error) {
      throw error instanceof LimitExceededError ? new LimitExceededError(error.message, error.field, 429) : error;
    }
    const stream = new OpenStream(request.caller, channels, address, deps, owner);
    const remembering = deps.knownTerminals.seenPolling(channels);
    if (remembering)
      remembering.then(
        () => stream.start(last),
        (error: unknown) => stream.ended(error),
      );
    else stream.start(last);
    return stream.reply;
  });
}

/** The stream's valid channels and cursor, or a ValidationError / AccessDeniedError / LimitExceededError. */
function accept(request: PlainRequest, access: Access, settings: StreamSettings): { channels: string[]; last: number } {
  const channelsText = request.query.get("channels");
  if (channelsText === null) throw new ValidationError("channels: required (a URL-encoded JSON list of channels)", "channels");
  let channels: unknown;
  try {
    channels = JSON.parse(channelsText);
  } catch {
    throw new ValidationError("channels: not valid JSON (expected a URL-encoded JSON list of channels)", "channels");
  }
  const lastEventId = request.caller.header("last-event-id");
  const last = lastEventId ?? request.query.get("last") ?? undefined;
  const parsed = streamQuerySchema.safeParse({ channels, last });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const [field, ...within] = issue.path.map(String);
    const where = field === "last" && lastEventId !== undefined ? "last (Last-Event-ID)" : `${field}${within.map((index) => `[${index}]`).join("")}`;
    throw new ValidationError(`${where}: ${issue.message}`, field);
  }
  const { channels: valid } = parsed.data;
  if (valid.length > settings.maxChannelsPerStream) {
    throw new LimitExceededError(`channels: at most ${settings.maxChannelsPerStream} channels per stream (POS_SYNC_MAX_CHANNELS_PER_POLL)`, "channels", 429);
  }
  if (access.keyed) access.requireDatabases(request.caller, valid.map(databaseOf));
  return parsed.data;
}

/** In keyed mode every channel must name its database. */
function databaseOf(channel: string): string {
  const parts = parseChannel(channel);
  if (!parts) throw new AccessDeniedError(`Access denied: channel ${JSON.stringify(channel)} names no database`);
  return parts.dbname;
}

interface StreamOwner {
  opened(stream: OpenStream): void;
  ended(stream: OpenStream, address: string): void;
}

/** One client's open stream: the bus subscription, the sink it writes to once open, its presence. */
class OpenStream {
  /** Resolves with the reply once the catch-up read succeeded; rejects when it failed. */
  readonly reply: Promise<StreamReply>;
  private resolve!: (reply: StreamReply) => void;
  private reject!: (error: unknown) => void;
  private subscription: BusStream | undefined;
  private sink: ReplySink | undefined;
  /** Events delivered between the catch-up read and the door handing over the sink. */
  private waiting = "";
  private started = false;
  private isOpen = false;
  private over = false;
  /** Its PING/PONG channels (one, as the POS polls): a PONG on one tells presence the terminal answered. An array is smaller than a Set. */
  private readonly pongChannels: readonly string[];

  constructor(
    private readonly caller: Caller,
    private readonly channels: readonly string[],
    private readonly address: string,
    private readonly deps: StreamDeps,
    private readonly owner: StreamOwner,
  ) {
    this.reply = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.pongChannels = channels.filter((channel) => parseChannel(channel)?.name === CHANNEL.longpolling);
    caller.onClientGone(this.gone);
  }

  start(last: number): void {
    if (this.over) return;
    this.started = true;
    for (const observer of this.deps.observers) observer.pollStarted?.(this.channels, this.address, last);
    this.subscription = this.deps.bus.stream(this.channels, last, this);
  }

  opened(): void {
    if (this.over) return;
    this.isOpen = true;
    this.owner.opened(this);
    this.resolve({ status: 200, headers: STREAM_HEADERS, start: (sink) => this.attach(sink) });
  }

  deliver(notifications: Notification[]): void {
    let text = "";
    let pong = false;
    for (const { id, channel, message } of notifications) {
      text += `id: ${id}\ndata: {"id":${id},"channel":${JSON.stringify(channel)},"message":${message}}\n\n`;
      if (this.pongChannels.length > 0 && this.pongChannels.includes(channel)) pong = true;
    }
    const newest = notifications[notifications.length - 1]?.id ?? 0;
    for (const observer of this.deps.observers) {
      observer.streamed?.(this.channels, notifications);
      if (!pong) continue;
      observer.pollEnded?.(this.channels, notifications, this.caller, true);
      observer.pollStarted?.(this.channels, this.address, newest);
    }
    this.write(text);
  }

  comment(): void {
    this.write(":\n\n");
  }

  ended(error?: unknown): void {
    const sink = this.sink;
    const wasOpen = this.isOpen;
    this.finish();
    if (!wasOpen) {
      this.reject(error ?? new LimitExceededError("the server is shutting down"));
      return;
    }
    if (!sink) return;
    // After the head, an error can only cut the connection; the client resumes from its Last-Event-ID.
    if (error !== undefined) sink.destroy();
    else sink.end();
  }

  /** The door wrote the head: the comment tells the client the stream is open before the first event. */
  private attach(sink: ReplySink): void {
    if (this.over) {
      sink.end();
      return;
    }
    this.sink = sink;
    sink.onClose(this.gone);
    const waiting = this.waiting;
    this.waiting = "";
    this.write(`: open\n\n${waiting}`);
  }

  private write(text: string): void {
    if (this.over) return;
    if (!this.sink) {
      if (this.isOpen) this.waiting += text;
      return;
    }
    this.sink.write(text);
    if (this.sink.buffered() > MAX_BUFFERED_BYTES) this.sink.destroy();
  }

  private readonly gone = (): void => {
    this.subscription?.stop();
    this.finish();
  };

  private finish(): void {
    if (this.over) return;
    this.over = true;
    this.caller.offClientGone(this.gone);
    if (this.started) for (const observer of this.deps.observers) observer.pollEnded?.(this.channels, [], this.caller, true);
    this.owner.ended(this, this.address);
  }
}
