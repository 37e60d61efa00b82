import { statSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { SqliteStore } from "../../src/db/sqlite/store.ts";
import { tempDbPath } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";

describe("the WAL checkpointer", () => {
  test("copies committed writes into the database file in the background, and stops with the store", async () => {
    const path = tempDbPath();
    const store = new SqliteStore(path);
    const before = statSync(path).size;
    for (let i = 0; i < 20; i++) {
      await store.transaction(async (tx) =>
        tx.insertNotifications(
          Array.from({ length: 25 }, () => ({ channel: "c", message: JSON.stringify("x".repeat(1000)) })),
          1,
        ),
      );
    }
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(400_000);
    await waitFor(() => statSync(path).size - before > 400_000, "the checkpoint to copy the WAL into the file", 5000);
    await store.close();
  });
});
