import { LimitExceededError } from "../errors.ts";

/** Counts the polls each client address holds, so one client cannot take every slot. */
export class HeldPollLimit {
  private readonly held = new Map<string, number>();

  constructor(
    private readonly maxPerClient: number,
    private readonly what = "held polls",
  ) {}

  /** Takes a slot for `client`, or throws; give it back with release(client), once. */
  acquire(client: string): void {
    const count = this.held.get(client) ?? 0;
    if (count >= this.maxPerClient) {
      throw new LimitExceededError(`Too many ${this.what} from this client address (limit ${this.maxPerClient}, POS_SYNC_MAX_POLLS_PER_CLIENT)`);
    }
    this.held.set(client, count + 1);
  }

  release(client: string): void {
    const left = (this.held.get(client) ?? 1) - 1;
    if (left === 0) this.held.delete(client);
    else this.held.set(client, left);
  }
}
