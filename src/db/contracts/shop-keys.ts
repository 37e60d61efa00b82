import type { Awaitable } from "./awaitable.ts";

/** A shop's key as stored: the hex SHA-256 digest of the key, and when it was set (epoch ms). */
export interface ShopKeyDigest {
  dbname: string;
  keyDigest: string;
  updatedAt: number;
}

/** Shop keys added at run time (src/keys/); a few rows, read whole by every node's key cache. */
export interface ShopKeys {
  /** Writes (or replaces) a database's key digest; the key itself is never stored. */
  saveShopKey(key: ShopKeyDigest): Awaitable<void>;
  /** Deletes a database's key; whether there was one. */
  deleteShopKey(dbname: string): Awaitable<boolean>;
  /** Every stored key digest, in database name order. */
  listShopKeys(): Awaitable<ShopKeyDigest[]>;
}
