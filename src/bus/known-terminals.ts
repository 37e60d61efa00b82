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

  async seenPolling(channels: readonly string[]): Promise<void> {
    const fresh = new Map<string, string[]>();
    for (const channel of channels) {
      if (this.remembered.has(channel)) continue;
      const parts = parseChannel(channel);
      if (!parts) continue;
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      this.remembered.add(channel);
      fresh.set(parts.dbname, [...(fresh.get(parts.dbname) ?? []), parts.posId]);
    }
    for (const [dbname, posIds] of fresh) await this.store.rememberTerminals(dbname, posIds, this.clock.now());
  }

  async list(dbname: string): Promise<string[]> {
    return this.store.knownTerminals(dbname);
  }
}
