import type { Clock } from "../bus/bus.ts";
import type { ShopKeyDigest, ShopKeys } from "../db/contracts/shop-keys.ts";
import { digest } from "../http/access.ts";
import type { Logger } from "../log.ts";

export type KeyStore = ShopKeys;

/** Where a database's key comes from: the environment or key file, or the store (API and CLI). */
export type KeySource = "config" | "store";

export interface KeyListing {
  dbname: string;
  source: KeySource;
  /** When a stored key was set (epoch ms); absent for configured keys. */
  updatedAt?: number;
}

/** A stored key: the hex SHA-256 of the key (what access compares), so the store never holds a key. */
export function storedKey(dbname: string, key: string, now: number): ShopKeyDigest {
  return { dbname, keyDigest: digest(key).toString("hex"), updatedAt: now };
}

/**
 * Every database key a node honours: those configured (environment, key file) and those stored
 * (shop_keys), as digests in memory, so the request path never reads the database. The stored
 * ones are re-read every `refreshMs`, which is how a key set or deleted through another node
 * reaches this one; a node's own changes apply at once.
 *
 * A configured key wins over a stored one for the same database: it is what the operator wrote
 * in the node's configuration, which the API cannot change, so the API refuses to set or delete
 * it (ConfiguredKeyError) rather than appear to while the configured key keeps opening.
 */
export class KeyRing {
  private readonly configured: ReadonlyMap<string, Buffer>;
  private stored: readonly ShopKeyDigest[] = [];
  private merged: ReadonlyMap<string, Buffer>;
  /** Bumped by every change made here, so a refresh that read before it does not undo it. */
  private changes = 0;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    configuredKeys: Readonly<Record<string, string>>,
    private readonly store: KeyStore,
    private readonly options: { clock: Clock; log: Pick<Logger, "warn" | "info">; refreshMs?: number },
  ) {
    this.configured = new Map(Object.entries(configuredKeys).map(([dbname, key]) => [dbname, digest(key)]));
    this.merged = this.configured;
  }

  /** Database name -> key digest, configured keys over stored ones: what access reads per request. */
  readonly digests = (): ReadonlyMap<string, Buffer> => this.merged;

  isConfigured(dbname: string): boolean {
    return this.configured.has(dbname);
  }

  list(): KeyListing[] {
    const listing: KeyListing[] = [...this.configured.keys()].map((dbname) => ({ dbname, source: "config" }));
    for (const key of this.stored) if (!this.configured.has(key.dbname)) listing.push({ dbname: key.dbname, source: "store", updatedAt: key.updatedAt });
    return listing.sort((a, b) => (a.dbname < b.dbname ? -1 : a.dbname > b.dbname ? 1 : 0));
  }

  /** Stores `key` for `dbname` (adding or rotating it); honoured here at once, elsewhere at the next refresh. */
  async set(dbname: string, key: string): Promise<void> {
    if (this.isConfigured(dbname)) throw new ConfiguredKeyError(dbname);
    const row = storedKey(dbname, key, this.options.clock.now());
    await this.store.saveShopKey(row);
    this.changes += 1;
    this.use([...this.stored.filter((stored) => stored.dbname !== dbname), row]);
  }

  /** Deletes the stored key of `dbname`; whether there was one. */
  async delete(dbname: string): Promise<boolean> {
    if (this.isConfigured(dbname)) throw new ConfiguredKeyError(dbname);
    const deleted = await this.store.deleteShopKey(dbname);
    this.changes += 1;
    this.use(this.stored.filter((stored) => stored.dbname !== dbname));
    return deleted;
  }

  /** Reads the stored keys again. A failed read keeps the keys known so far (logged once per outage). */
  async refresh(): Promise<void> {
    const before = this.changes;
    let rows: ShopKeyDigest[];
    try {
      rows = await this.store.listShopKeys();
    } catch (error) {
      if (!this.failing) this.options.log.warn({ err: error }, "reading the stored shop keys failed; keeping the keys known so far");
      this.failing = true;
      return;
    }
    if (this.failing) this.options.log.info("reading the stored shop keys works again");
    this.failing = false;
    if (this.changes === before) this.use(rows);
  }

  /** Reads the stored keys now, then every `refreshMs` (default 1 s: within 2 s on every node). */
  async start(): Promise<void> {
    await this.refresh();
    const every = this.options.refreshMs ?? 1000;
    const tick = () => {
      this.timer = setTimeout(() => void this.refresh().finally(() => this.timer && tick()), every);
      this.timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private use(rows: readonly ShopKeyDigest[]): void {
    this.stored = rows;
    const merged = new Map<string, Buffer>();
    for (const row of rows) if (!this.configured.has(row.dbname)) merged.set(row.dbname, Buffer.from(row.keyDigest, "hex"));
    for (const [dbname, configuredDigest] of this.configured) merged.set(dbname, configuredDigest);
    this.merged = merged;
  }
}

/** An API or CLI change to a database whose key is configured in the environment or key file. */
export class ConfiguredKeyError extends Error {
  override readonly name = "ConfiguredKeyError";

  constructor(readonly dbname: string) {
    super(`dbname: the key of "${dbname}" is configured (POS_SYNC_KEYS or the key file) and wins over stored keys; change it there`);
  }
}
