import { RetryWait } from "./retry-wait.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { ConnectionMonitor, type ConnectionState } from "./connection-monitor.ts";
import { Emitter } from "./emitter.ts";
import { CHANNEL, channelNameOf, channelOf } from "../protocol/channels.ts";
import type { PollParams, WireNotification } from "../protocol/messages.ts";
import { ROUTES, STREAM_ROUTE } from "../protocol/routes.ts";
import { HttpError } from "./errors.ts";
import { readEventStream } from "./event-stream.ts";
import type { SseEvent } from "./sse-parser.ts";
import { memoryStorage, type CursorStorage } from "./storage.ts";
import { Transport, type TransportOptions } from "./transport.ts";

/** A notification as a poll returns it. */
export type Notification = WireNotification;

export type ChannelCallback = (message: unknown, notification: Notification) => void;

/**
 * "auto" (default): the stream (Server-Sent Events) while the server has it, else the long-poll;
 * "stream" or "poll": only that one.
 */
export type BusTransport = "auto" | "stream" | "poll";

export interface LongpollBusOptions extends TransportOptions {
  dbname: string;
  posId: number | string;
  /** Where the cursor lives; memory by default, `localStorageAdapter()` in a browser. */
  storage?: CursorStorage;
  storageKey?: string;
  /** Defaults 60 000 and 10 000, as in the original. */
  maxSilenceMs?: number;
  pongTimeoutMs?: number;
  /** Must exceed the server's poll timeout (default 50 s). */
  pollRequestTimeoutMs?: number;
  backoff?: BackoffOptions;
  transport?: BusTransport;
  /** A stream silent this long (the server comments every 20 s at most 25) is reconnected. Default 60 000. */
  streamSilenceMs?: number;
  /** "auto": after this many stream attempts in a row that never opened, long-poll for `streamRetryMs`, then try the stream again. Default 3. */
  streamAttempts?: number;
  /** Default 60 000. */
  streamRetryMs?: number;
}

export type LongpollBusEvents = {
  state: ConnectionState;
  error: unknown;
};

/** Asks for an immediate new poll, e.g. because the channel list changed; not an error. */
const RESTART = Symbol("restart poll");

/**
 * The terminal's side of the bus: one open stream or held poll at a time, a durable cursor,
 * reconnection. Both transports feed the same cursor and dispatch, so what a callback sees (and
 * the multi-session client's gap detection) does not depend on which one carried it.
 */
export class LongpollBus extends Emitter<LongpollBusEvents> {
  private readonly rpc: Transport;
  private readonly storage: CursorStorage;
  private readonly storageKey: string;
  private readonly backoff: Backoff;
  private readonly monitor: ConnectionMonitor;
  private readonly callbacks = new Map<string, Set<ChannelCallback>>();
  private readonly pollRequestTimeoutMs: number;
  private generation = 0;
  private running = false;
  private pollAbort: AbortController | undefined;
  private readonly retryWait = new RetryWait();
  private cursor = 0;
  /** "auto": the stream route answered 404/405 (an older server, a proxy that only passes POST): long-poll until stop(). */
  private streamMissing = false;
  /** Stream attempts in a row that never opened. */
  private streamFailures = 0;
  /** "auto": Date.now() until which the bus long-polls after repeated stream failures. */
  private pollUntil = 0;

  constructor(private readonly options: LongpollBusOptions) {
    super();
    this.rpc = new Transport(options);
    this.storage = options.storage ?? memoryStorage();
    this.storageKey = options.storageKey ?? `pos-sync:last:${options.baseUrl}:${options.dbname}:${options.posId}`;
    this.backoff = new Backoff(options.backoff);
    this.pollRequestTimeoutMs = options.pollRequestTimeoutMs ?? 60_000;
    this.monitor = new ConnectionMonitor({
      maxSilenceMs: options.maxSilenceMs ?? 60_000,
      pongTimeoutMs: options.pongTimeoutMs ?? 10_000,
      sendPing: (signal) => this.sendPing(signal),
      onState: (state) => this.emit("state", state),
      onUnreachable: () => this.restartPoll(),
      onReachable: () => {
        this.backoff.reset();
        this.retryWait.cutShort();
      },
    });
    // The PONG must wake our held poll, so this channel is always listened to.
    this.callbacks.set(CHANNEL.longpolling, new Set());
  }

  get state(): ConnectionState {
    return this.monitor.state;
  }

  /** Which transport the next (or current) connection uses. */
  get transport(): "stream" | "poll" {
    const wanted = this.options.transport ?? "auto";
    if (wanted !== "auto") return wanted;
    return this.streamMissing || Date.now() < this.pollUntil ? "poll" : "stream";
  }

  /** The id of the last notification handled. */
  get last(): number {
    return this.cursor;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Returns a function that removes the callback. Several callbacks per channel are allowed. */
  addChannelCallback(channelName: string, callback: ChannelCallback): () => void {
    let set = this.callbacks.get(channelName);
    if (!set) {
      set = new Set();
      this.callbacks.set(channelName, set);
      this.restartPoll();
    }
    set.add(callback);
    return () => {
      set.delete(callback);
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.cursor = this.storage.get(this.storageKey) ?? 0;
    this.streamMissing = false;
    this.streamFailures = 0;
    this.pollUntil = 0;
    this.backoff.reset();
    this.monitor.start();
    void this.pollLoop(++this.generation);
  }

  /** Aborts the held request and clears every timer; start() may be called again. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.monitor.stop();
    this.pollAbort?.abort();
    this.pollAbort = undefined;
    this.retryWait.cutShort();
  }

  /** Sends a PING now, as the original does when the status icon is clicked. */
  ping(): Promise<unknown> {
    return this.sendPing();
  }

  private sendPing(signal?: AbortSignal): Promise<unknown> {
    const params = { message: "PING", pos_id: this.options.posId, db_name: this.options.dbname };
    return this.rpc.call(ROUTES.ping, params, { signal, timeoutMs: this.options.pongTimeoutMs ?? 10_000 });
  }

  private channels(): string[] {
    return [...this.callbacks.keys()].map((name) => channelOf(this.options.dbname, name, this.options.posId));
  }

  private restartPoll(): void {
    if (!this.running) return;
    this.pollAbort?.abort(RESTART);
    this.retryWait.cutShort();
  }

  private async pollLoop(generation: number): Promise<void> {
    const current = (): boolean => this.running && generation === this.generation;
    while (current()) {
      const controller = new AbortController();
      this.pollAbort = controller;
      const streaming = this.transport === "stream";
      try {
        if (streaming) await this.streamOnce(controller.signal, current);
        else await this.pollOnce(controller.signal, current);
      } catch (error) {
        if (!current()) return;
        if (controller.signal.reason === RESTART) continue;
        if (streaming && this.streamRefused(error)) continue;
        this.emit("error", error);
        this.monitor.sawFailure();
        await this.retryWait.wait(this.backoff.next());
        if (current()) this.monitor.ping();
      }
    }
  }

  private async pollOnce(signal: AbortSignal, current: () => boolean): Promise<void> {
    const params: PollParams = { channels: this.channels(), last: this.cursor, options: {} };
    const notifications = await this.rpc.call<Notification[]>(ROUTES.poll, params, { signal, timeoutMs: this.pollRequestTimeoutMs });
    if (!current()) return;
    this.backoff.reset();
    this.monitor.sawLife();
    this.dispatch(notifications);
  }

  /** One stream, from its cursor, until it breaks (rejects) or is aborted; it never ends well. */
  private async streamOnce(signal: AbortSignal, current: () => boolean): Promise<void> {
    const query = `?channels=${encodeURIComponent(JSON.stringify(this.channels()))}&last=${this.cursor}`;
    const response = await this.rpc.openStream(STREAM_ROUTE + query, signal);
    if (!current()) return;
    this.streamFailures = 0;
    this.backoff.reset();
    this.monitor.sawLife();
    await readEventStream(response, {
      signal,
      silenceMs: this.options.streamSilenceMs ?? 60_000,
      onEvents: (events) => {
        if (!current()) return;
        this.monitor.sawLife();
        if (events.length > 0) this.dispatch(events.map(notificationOf));
      },
    });
  }

  /**
   * Whether a failed stream attempt goes straight over to the long-poll ("auto" only): at once
   * when the server has no stream route, after `streamAttempts` failures in a row otherwise.
   */
  private streamRefused(error: unknown): boolean {
    if ((this.options.transport ?? "auto") !== "auto") return false;
    if (error instanceof HttpError && (error.status === 404 || error.status === 405)) {
      this.streamMissing = true;
      return true;
    }
    if (++this.streamFailures < (this.options.streamAttempts ?? 3)) return false;
    this.streamFailures = 0;
    this.pollUntil = Date.now() + (this.options.streamRetryMs ?? 60_000);
    return false;
  }

  private dispatch(notifications: Notification[]): void {
    const fresh = notifications.filter((n) => n.id > this.cursor).sort((a, b) => a.id - b.id);
    for (const notification of fresh) {
      if (!this.running) break;
      this.cursor = notification.id;
      const name = channelNameOf(notification.channel);
      for (const callback of name === undefined ? [] : [...(this.callbacks.get(name) ?? [])]) {
        try {
          callback(notification.message, notification);
        } catch (error) {
          // One broken handler must not stall the bus for every other channel.
          this.emit("error", error);
        }
      }
    }
    if (fresh.length > 0) this.storage.set(this.storageKey, this.cursor);
  }
}

/** The event's data is the notification exactly as a poll returns it. */
function notificationOf(event: SseEvent): Notification {
  return JSON.parse(event.data) as Notification;
}
