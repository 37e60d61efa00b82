import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "../src/config.ts";

describe("configuration", () => {
  test("defaults match the README", () => {
    expect(loadConfig({}, [])).toMatchObject({
      host: "127.0.0.1",
      port: 8079,
      db: "./data/pos-sync.sqlite",
      pollTimeout: 50,
      retention: 600,
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
    expect(config).toMatchObject({ port: 9001, pollTimeout: 2.5, testFeatures: true, corsOrigins: ["http://a", "http://b"] });
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
    ["POS_SYNC_KEYS", "shop1"],
  ])("%s=%s is refused with a message naming it", (name, value) => {
    expect(() => loadConfig({ [name]: value }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value }, [])).toThrow(name);
  });

  test("an unknown flag is refused", () => {
    expect(() => loadConfig({}, ["--prot", "1"])).toThrow(/prot/);
  });

  test("keys parse from db:key pairs and never appear in an error", () => {
    expect(parseConfig({ keys: "shop1:s3cret, shop2:other" }).keys).toEqual({ shop1: "s3cret", shop2: "other" });
    expect(() => loadConfig({ POS_SYNC_KEYS: "shop1:s3cret,broken" }, [])).toThrow(/^(?!.*s3cret)/s);
  });
});
