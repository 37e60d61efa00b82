import type { SeenTerminals } from "../db/contracts/terminals.ts";
import type { Logger } from "../log.ts";
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
    private readonly store: SeenTerminals,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * Undefined when every channel is remembered already (nearly every poll): nothing to wait for.
   * The returned promise never rejects: this bookkeeping rides on a poll and must not fail it.
   */
  seenPolling(channels: readonly string[]): Promise<void> | undefined {
    let fresh: Map<string, Set<string>> | undefined;
    const added: string[] = [];
    for (const channel of channels) {
      if (this.remembered.has(channel)) continue;
      const parts = parseChannel(channel);
      if (!parts) continue;
      if (this.remembered.size >= MAX_REMEMBERED) this.remembered.clear();
      this.remembered.add(channel);
      added.push(channel);
      fresh ??= new Map();
      // The POS polls pos.multi_session and pos.longpolling together: one terminal, named twice.
      const posIds = fresh.get(parts.dbname) ?? new Set<string>();
      fresh.set(parts.dbname, posIds.add(parts.posId));
    }
    return fresh && this.remember(fresh, added);
  }

  private async remember(fresh: Map<string, Set<string>>, added: readonly string[]): Promise<void> {
    try {
      for (const [dbname, posIds] of fresh) await this.store.rememberTerminals(dbname, [...posIds], this.clock.now());
    } catch (error) {
      for (const channel of added) this.remembered.delete(channel);
      this.log.warn({ err: error }, "remembering polling terminals failed; the poll goes on, the next one tries again");
    }
  }

  async list(dbname: string): Promise<string[]> {
    return this.store.knownTerminals(dbname);
  }
}
