import type { Store } from "../db/store.ts";
import { parseChannel } from "../protocol/channels.ts";
import type { Clock } from "./bus.ts";

/**
 * The terminals a backend can reach with sendToAllPoses: those registered by sync_all (in the
 * store already) and those seen polling, remembered once per process so polls do not write.
 */
/** Only a cache to spare writes: emptied when full, so strangers' channel names cannot grow it. */
const MAX_REMEMBERED = 50_000;

export class KnownTerminals {
  private readonly remembered = new Set<string>();

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Undefined when every channel is remembered already (nearly every poll): nothing to wait for. */
  seenPolling(channels: readonly string[]): Promise<void> | undefined {
    let fresh: Map<string, string[]> | undefined;
    for (const channel of channels) {
      if (this.remembered.has(channel)) continue;
      const parts = parseChannel(channel);
      if (!parts) continue;
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      this.remembered.add(channel);
      fresh ??= new Map();
      fresh.set(parts.dbname, [...(fresh.get(parts.dbname) ?? []), parts.posId]);
    }
    return fresh && this.remember(fresh);
  }

  private async remember(fresh: Map<string, string[]>): Promise<void> {
    for (const [dbname, posIds] of fresh) await this.store.rememberTerminals(dbname, posIds, this.clock.now());
  }

  async list(dbname: string): Promise<string[]> {
    return this.store.knownTerminals(dbname);
  }
}
