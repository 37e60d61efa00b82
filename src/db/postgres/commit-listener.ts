import pg from "pg";
import type { CommitWatcher } from "../store.ts";

export interface ListenerLog {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/**
 * LISTENs on one connection of its own (a pooled one would be handed to requests). A NOTIFY
 * payload is "<node>:<last id>": every id up to it is committed. A node skips its own (it
 * learns of those on commit). When the connection drops it reconnects with backoff and then
 * tells the watcher to read the latest id again, since NOTIFYs sent meanwhile are gone.
 * PostgreSQL limits a payload to 8000 bytes; this one is always under 60, however many
 * channels a commit wrote: it says "read everything up to this id", never which channels.
 */
export class CommitListener {
  private client: pg.Client | undefined;
  private up = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly nodeId: string,
    private readonly watcher: CommitWatcher,
    private readonly log: ListenerLog,
    private readonly forgetSignals?: ForgetSignals,
  ) {}

  get listening(): boolean {
    return this.up;
  }

  /** Resolves once listening, or after the first failed attempt (it goes on retrying). */
  async start(): Promise<void> {
    await this.connect(false);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(isReconnect: boolean): Promise<void> {
    const client = new pg.Client(this.config);
    this.client = client;
    let dropped = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      this.up = false;
      client.end().catch(() => undefined);
      if (this.stopped) return;
      this.log.warn({ err: error }, "LISTEN connection lost; reconnecting");
      this.scheduleReconnect();
    };
    client.on("error", drop);
    client.on("end", () => drop());
    client.on("notification", (message) => this.heard(message.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${client.escapeIdentifier(this.channel)}`);
    } catch (error) {
      drop(error as Error);
      return;
    }
    if (this.stopped) return void client.end().catch(() => undefined);
    this.up = true;
    this.backoffMs = 0;
    if (isReconnect) this.log.info({}, "LISTEN connection back");
    // Also the first time: commits made before LISTEN took effect had no one to wake here.
    this.watcher.reconnected();
  }

  private scheduleReconnect(): void {
    this.backoffMs = Math.min(Math.max(this.backoffMs * 2, 100), 5000);
    this.retryTimer = setTimeout(() => void this.connect(true), this.backoffMs);
    this.retryTimer.unref();
  }

  private heard(payload: string | undefined): void {
    const separator = payload?.lastIndexOf(":") ?? -1;
    if (!payload || separator < 0) {
      this.watcher.reconnected();
      return;
    }
    const signal = CLUSTER_SIGNAL.exec(payload);
    if (signal) {
      this.signalled(signal);
      return;
    }
    if (payload.slice(0, separator) === this.nodeId) return;
    const lastId = Number(payload.slice(separator + 1));
    if (Number.isSafeInteger(lastId)) this.watcher.committed(lastId);
    else this.watcher.reconnected();
  }

  /** "<node>:forget:<id>" from a node that deleted notifications; "<node>:forgot:<to node>:<id>" the answer. */
  private signalled([, from, kind, to, id]: RegExpExecArray): void {
    const upToId = Number(id);
    if (from === this.nodeId) return;
    if (kind === "forget") this.forgetSignals?.forget(from!, upToId);
    else if (to === this.nodeId) this.forgetSignals?.forgot(from!, upToId);
  }
}

const CLUSTER_SIGNAL = /^([^:]+):(forget|forgot):(?:([^:]+):)?(\d{1,16})$/;

/** What the store does with the forget signals the listener hears. */
export interface ForgetSignals {
  /** `node` deleted every notification up to `upToId`. */
  forget(node: string, upToId: number): void;
  /** `node` has forgotten them, as this node asked. */
  forgot(node: string, upToId: number): void;
}
