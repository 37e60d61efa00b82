import { call, channel } from "./rpc.ts";

export interface Received {
  id: number;
  channel: string;
  message: unknown;
}

/** A bus client like the Odoo POS one: polls its channels, keeps its cursor, collects what arrives. */
export class Poller {
  last = 0;
  readonly received: Received[] = [];

  constructor(
    public url: string,
    readonly channels: string[],
    protected readonly headers?: Record<string, string>,
  ) {}

  /** One poll with the current cursor; what it returns is appended to `received`. */
  async pollOnce(options: Record<string, unknown> = {}): Promise<Received[]> {
    const batch = await call<Received[]>(`${this.url}/longpolling/poll`, { channels: this.channels, last: this.last, options }, this.headers);
    const kept: Received[] = [];
    for (const notification of batch) {
      this.last = Math.max(this.last, notification.id);
      if (this.keep(notification)) kept.push(notification);
    }
    this.received.push(...kept);
    return kept;
  }

  protected keep(_notification: Received): boolean {
    return true;
  }

  /** Polls until at least `count` notifications have arrived in all, at most `maxPolls` times. */
  async receive(count: number, maxPolls = 20): Promise<Received[]> {
    for (let polls = 0; this.received.length < count; polls++) {
      if (polls >= maxPolls) throw new Error(`received ${this.received.length} of ${count} notifications after ${maxPolls} polls`);
      await this.pollOnce();
    }
    return this.received;
  }
}

/** The two channels an Odoo POS polls, always in one poll: its order sync and its PING/PONG check. */
export const posChannels = (dbname: string, posId: number) => [channel(dbname, "pos.multi_session", posId), channel(dbname, "pos.longpolling", posId)];

/**
 * The bus of an unmodified Odoo POS (pos_longpolling.js): every poll names both its channels,
 * the cursor starts at 0 when the page loads, a PONG goes to the connection check rather than to
 * the orders, and a failed poll is tried again with the same cursor after a delay (10 s plus up to
 * 20 s at random in the POS; `errorDelayMs` here, so tests stay short).
 */
export class PosPoller extends Poller {
  pongs = 0;
  failedPolls = 0;

  constructor(url: string, dbname: string, posId: number, headers?: Record<string, string>) {
    super(url, posChannels(dbname, posId), headers);
  }

  protected override keep(notification: Received): boolean {
    if (!notification.channel.includes('"pos.longpolling"')) return true;
    this.pongs += 1;
    return false;
  }

  /** The connection check the POS sends when its bus starts; the PONG comes back over the poll. */
  async ping(): Promise<void> {
    const [dbname, , posId] = JSON.parse(this.channels[0]!) as [string, string, string];
    await call(`${this.url}/pos_longpolling/update`, { message: "PING", pos_id: Number(posId), db_name: dbname }, this.headers);
  }

  /** The POS's poll loop step: polls until one poll succeeds, waiting `errorDelayMs` after each failure (at most `attempts` polls). */
  async pollRetrying(options: Record<string, unknown> = {}, { errorDelayMs = 50, attempts = 100 } = {}): Promise<Received[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.pollOnce(options);
      } catch (error) {
        this.failedPolls += 1;
        if (attempt >= attempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, errorDelayMs + Math.random() * errorDelayMs));
      }
    }
  }
}
