import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("merge setting", () => {
  test("off by default; POS_SYNC_MERGE=1 or --merge 1 turns it on; nonsense is refused by name", () => {
    expect(loadConfig({}, []).merge).toBe(false);
    expect(loadConfig({ POS_SYNC_MERGE: "1" }, []).merge).toBe(true);
    expect(loadConfig({}, ["--merge", "on"]).merge).toBe(true);
    expect(loadConfig({ POS_SYNC_MERGE: "1" }, ["--merge=0"]).merge).toBe(false);
    expect(() => loadConfig({ POS_SYNC_MERGE: "maybe" }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ POS_SYNC_MERGE: "maybe" }, [])).toThrow(/POS_SYNC_MERGE \(--merge\)/);
  });
});
