import { defineConfig } from "vitest/config";

/**
 * The tests that run once per store: the multi-session rules, scenarios, concurrency,
 * durability, access and bus tests, all over real HTTP. The client library's own tests stay
 * on SQLite: they test the client, and would double the suite's time for nothing.
 */
const perStore = ["test/sync/**/*.test.ts", "test/http/**/*.test.ts", "test/bus/poll.test.ts", "test/console/behind.test.ts"];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: "sqlite", include: ["test/**/*.test.ts"], exclude: ["test/multi-node/**", "test/postgres/**", "test/cluster/**"] },
      },
      {
        extends: true,
        // The client library's scenarios once more on the long-poll (the sqlite project runs them on the stream).
        test: { name: "client-poll", include: ["test/client/**/*.test.ts"], env: { POS_SYNC_TEST_CLIENT_TRANSPORT: "poll" } },
      },
      {
        extends: true,
        test: {
          name: "postgres",
          // The console's lists, and their 1,000-shop timing, read through each store's own aggregate queries.
          include: [
            ...perStore,
            "test/postgres/**/*.test.ts",
            "test/multi-node/**/*.test.ts",
            "test/console/lists.test.ts",
            "test/console/thousand-shops.browser.test.ts",
          ],
          // Hostile input compares digests of the SQLite file; the front door's own tests are store-blind.
          exclude: ["test/http/hostile-input.test.ts", "test/http/front-door.test.ts"],
          env: { POS_SYNC_TEST_STORE: "postgres" },
          setupFiles: ["test/setup/postgres-database.ts"],
          globalSetup: ["test/setup/postgres-global.ts"],
        },
      },
      {
        extends: true,
        test: {
          // Two server nodes on one PostgreSQL schema; each scenario's terminals split across them (test/helpers/cluster.ts).
          name: "cluster",
          include: [
            "test/sync/rules.test.ts",
            "test/sync/scenarios.test.ts",
            "test/sync/merge*.test.ts",
            "test/faults/scenarios.test.ts",
            "test/cluster/**/*.test.ts",
            // Terminal 2 polls the second node; the first node's console and /metrics tell it is behind.
            "test/console/behind.test.ts",
          ],
          env: { POS_SYNC_TEST_STORE: "cluster" },
          setupFiles: ["test/setup/postgres-database.ts"],
          globalSetup: ["test/setup/postgres-global.ts"],
        },
      },
    ],
  },
});
