import type { Notification } from "../db/contracts/notification-log.ts";
import type { Dispatcher, Listener } from "./dispatcher.ts";

/** Where a stream's notifications go (the SSE route writes them to its response). */
export interface StreamSink {
  /** The catch-up read succeeded: the stream is open; deliver() follows. */
  opened(): void;
  /** Notifications in ascending id order, each newer than every one delivered before. */
  deliver(notifications: Notification[]): void;
  /** The bus closed (shutdown) or, with `error`, the catch-up read failed. Nothing follows. */
  ended(error?: unknown): void;
}

/**
 * A subscription that stays open: first what a poll with the same cursor would return, then every
 * publish on its channels. It listens from before the store is read and keeps what arrives
 * meanwhile, so nothing committed during the read is missed, and it never sends an id twice.
 */
export class BusStream implements Listener {
  /** Published while the store was read; undefined once caught up. */
  private arrived: Notification[] | undefined = [];
  private over = false;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly channels: readonly string[],
    /** The id of the last notification the client has. */
    private cursor: number,
    private readonly sink: StreamSink,
  ) {
    dispatcher.subscribe(channels, this);
  }

  /** The store's answer for the cursor: sent, then what came during the read. */
  caughtUp(stored: Notification[]): void {
    if (this.over) return;
    const arrived = this.arrived!;
    this.arrived = undefined;
    this.sink.opened();
    this.send(stored);
    this.send(arrived);
  }

  /** The store could not be read. */
  failed(error: unknown): void {
    if (this.over) return;
    this.stop();
    this.sink.ended(error);
  }

  published(batch: Notification[]): void {
    if (batch.length === 0) {
      // releaseAll: the bus is closing.
      if (this.arrived) this.caughtUp([]);
      this.stop();
      this.sink.ended();
    } else if (this.arrived) {
      for (const notification of batch) this.arrived.push(notification);
    } else this.send(batch);
  }

  /** Stops listening (the client went away); the sink hears nothing more. */
  stop(): void {
    if (this.over) return;
    this.over = true;
    this.dispatcher.unsubscribe(this.channels, this);
  }

  private send(batch: Notification[]): void {
    if (this.over || batch.length === 0) return;
    // A cursor from another node, or the store's answer, can be ahead of what is published.
    const fresh = batch[0]!.id > this.cursor ? batch : batch.filter((n) => n.id > this.cursor);
    if (fresh.length === 0) return;
    this.cursor = fresh[fresh.length - 1]!.id;
    this.sink.deliver(fresh);
  }
}
