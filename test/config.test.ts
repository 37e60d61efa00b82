import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "../src/config.ts";

describe("configuration", () => {
  test("defaults match docs/configuration.md", () => {
    expect(loadConfig({}, [])).toMatchObject({
      host: "127.0.0.1",
      port: 8079,
      db: "./data/pos-sync.sqlite",
      pollTimeoutMs: 50_000,
      retentionMs: 600_000,
      bodyLimit: 1_048_576,
      corsOrigins: ["*"],
      testFeatures: false,
      slowDelayMs: 3000,
      logLevel: "info",
      keys: {},
    });
  });

  test("environment variables set each setting; flags win over them", () => {
    const config = loadConfig(
      { POS_SYNC_PORT: "9000", POS_SYNC_POLL_TIMEOUT: "2.5", POS_SYNC_TEST_FEATURES: "1", POS_SYNC_CORS_ORIGINS: "http://a,http://b" },
      ["--port", "9001"],
    );
    expect(config).toMatchObject({ port: 9001, pollTimeoutMs: 2500, testFeatures: true, corsOrigins: ["http://a", "http://b"] });
  });

  test.each([
    ["POS_SYNC_PORT", "eighty"],
    ["POS_SYNC_PORT", "70000"],
    ["POS_SYNC_POLL_TIMEOUT", "-1"],
    ["POS_SYNC_RETENTION", "0"],
    ["POS_SYNC_BODY_LIMIT", "1.5"],
    ["POS_SYNC_TEST_FEATURES", "maybe"],
    ["POS_SYNC_SLOW_DELAY_MS", "soon"],
    ["POS_SYNC_LOG_LEVEL", "loud"],
    ["POS_SYNC_DB_SYNCHRONOUS", "sometimes"],
    ["POS_SYNC_KEYS", "shop1"],
  ])("%s=%s is refused with a message naming it", (name, value) => {
    expect(() => loadConfig({ [name]: value }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value }, [])).toThrow(name);
  });

  test("an unknown flag is refused", () => {
    expect(() => loadConfig({}, ["--prot", "1"])).toThrow(/prot/);
  });

  test("keys parse from db:key pairs and never appear in an error", () => {
    expect(parseConfig({ keys: "shop1:s3cret-key-1, shop2:other-key-2" }).keys).toEqual({ shop1: "s3cret-key-1", shop2: "other-key-2" });
    expect(() => loadConfig({ POS_SYNC_KEYS: "shop1:s3cret-key-1,broken" }, [])).toThrow(/^(?!.*s3cret)/s);
    expect(() => loadConfig({ POS_SYNC_KEYS: "shop1:short" }, [])).toThrow(/^(?!.*short).*POS_SYNC_KEYS/s);
    expect(() => loadConfig({ POS_SYNC_KEYS: 'bad"db:long-enough-key' }, [])).toThrow(/POS_SYNC_KEYS/);
  });

  test("a key file adds database keys and the backend key; the environment wins", () => {
    const dir = mkdtempSync(join(tmpdir(), "pos-sync-keys-"));
    const file = join(dir, "keys.json");
    writeFileSync(file, JSON.stringify({ databases: { shop1: "file-key-shop1", shop2: "file-key-shop2" }, backend: "file-backend-key" }));
    const config = loadConfig({ POS_SYNC_KEY_FILE: file, POS_SYNC_KEYS: "shop2:env-key-shop2" }, []);
    expect(config.keys).toEqual({ shop1: "file-key-shop1", shop2: "env-key-shop2" });
    expect(config.backendKey).toBe("file-backend-key");
    writeFileSync(file, JSON.stringify({ databases: { shop1: "tiny" } }));
    expect(() => loadConfig({ POS_SYNC_KEY_FILE: file }, [])).toThrow(/POS_SYNC_KEY_FILE.*databases\.shop1/);
    expect(() => loadConfig({ POS_SYNC_KEY_FILE: join(dir, "missing.json") }, [])).toThrow(/POS_SYNC_KEY_FILE.*ENOENT/);
  });
});
