import { describe, expect, test } from "vitest";
import { isPostgresUrl, safeDbName } from "../../src/db/open-store.ts";
import { parseConfig } from "../../src/config.ts";

describe("choosing the store", () => {
  test("postgres:// and postgresql:// URLs select PostgreSQL; anything else is an SQLite path", () => {
    expect(isPostgresUrl("postgres://pos@db:5432/pos")).toBe(true);
    expect(isPostgresUrl("postgresql://pos@db/pos")).toBe(true);
    expect(isPostgresUrl("./data/pos-sync.sqlite")).toBe(false);
    expect(isPostgresUrl(":memory:")).toBe(false);
    expect(isPostgresUrl("data/postgres://x")).toBe(false);
  });

  test("a URL's password never reaches the log", () => {
    expect(safeDbName("postgres://pos:s3cret@db:5432/pos")).toBe("postgres://pos:***@db:5432/pos");
    expect(safeDbName("postgres://pos@db/pos")).toBe("postgres://pos@db/pos");
  });

  test("pool size and statement timeout are settings, with defaults", () => {
    expect(parseConfig({})).toMatchObject({ pgPoolSize: 10, pgStatementTimeoutMs: 5000 });
    expect(() => parseConfig({ pgPoolSize: "0" })).toThrow(/POS_SYNC_PG_POOL_SIZE/);
  });
});
