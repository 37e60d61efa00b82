import { RetryWait } from "./retry-wait.ts";
import { Backoff, type BackoffOptions } from "./backoff.ts";
import { channelNameOf, fullChannelName } from "./channels.ts";
import { ConnectionMonitor, type ConnectionState } from "./connection-monitor.ts";
import { Emitter } from "./emitter.ts";
import { CHANNEL, ROUTES } from "./routes.ts";
import { memoryStorage, type CursorStorage } from "./storage.ts";
import { Transport, type TransportOptions } from "./transport.ts";

export interface Notification {
  id: number;
  channel: string;
  message: unknown;
}

export type ChannelCallback = (message: unknown, notification: Notification) => void;

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
}

export type LongpollBusEvents = {
  state: ConnectionState;
  error: unknown;
};

/** Asks for an immediate new poll, e.g. because the channel list changed; not an error. */
const RESTART = Symbol("restart poll");

/** The terminal's side of the long-poll bus: one held request at a time, a durable cursor, reconnection. */
export class LongpollBus extends Emitter<LongpollBusEvents> {
  private readonly transport: Transport;
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

  constructor(private readonly options: LongpollBusOptions) {
    super();
    this.transport = new Transport(options);
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
    return this.transport.call(ROUTES.ping, params, { signal, timeoutMs: this.options.pongTimeoutMs ?? 10_000 });
  }

  private channels(): string[] {
    return [...this.callbacks.keys()].map((name) => fullChannelName(this.options.dbname, name, this.options.posId));
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
      try {
        const params = { channels: this.channels(), last: this.cursor, options: {} };
        const notifications = await this.transport.call<Notification[]>(ROUTES.poll, params, {
          signal: controller.signal,
          timeoutMs: this.pollRequestTimeoutMs,
        });
        if (!current()) return;
        this.backoff.reset();
        this.monitor.sawLife();
        this.dispatch(notifications);
      } catch (error) {
        if (!current()) return;
        if (controller.signal.reason === RESTART) continue;
        this.emit("error", error);
        this.monitor.sawFailure();
        await this.retryWait.wait(this.backoff.next());
        if (current()) this.monitor.ping();
      }
    }
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
