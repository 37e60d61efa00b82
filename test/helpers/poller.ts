import { call } from "./rpc.ts";

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
    private readonly headers?: Record<string, string>,
  ) {}

  /** One poll with the current cursor; what it returns is appended to `received`. */
  async pollOnce(options: Record<string, unknown> = {}): Promise<Received[]> {
    const batch = await call<Received[]>(`${this.url}/longpolling/poll`, { channels: this.channels, last: this.last, options }, this.headers);
    for (const notification of batch) {
      this.received.push(notification);
      this.last = Math.max(this.last, notification.id);
    }
    return batch;
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
