import Database from "better-sqlite3";
import { afterEach, describe, expect, test } from "vitest";
import { GroupCommit } from "../../src/db/sqlite/group-commit.ts";

let sqlite: Database.Database | undefined;
afterEach(() => {
  sqlite?.close();
  sqlite = undefined;
});

/** A GroupCommit over an in-memory SQLite database with one table of values. */
function groupCommit() {
  const db = new Database(":memory:");
  sqlite = db;
  db.exec("CREATE TABLE item (value TEXT)");
  const commits = new GroupCommit(
    {
      begin: db.prepare("BEGIN"),
      commit: db.prepare("COMMIT"),
      rollback: db.prepare("ROLLBACK"),
      savepoint: db.prepare("SAVEPOINT request"),
      release: db.prepare("RELEASE request"),
      rollbackToSavepoint: db.prepare("ROLLBACK TO request"),
    },
    () => db.inTransaction,
  );
  const insert = db.prepare("INSERT INTO item (value) VALUES (?)");
  const values = () => (db.prepare("SELECT value FROM item ORDER BY rowid").all() as { value: string }[]).map((row) => row.value);
  return { commits, insert: (value: string) => insert.run(value), values };
}

describe("GroupCommit", () => {
  test("an after-commit callback that throws fails its own transaction only; the rest of its batch resolves and runs its callbacks", async () => {
    const { commits, insert, values } = groupCommit();
    const told: string[] = [];
    const results = await Promise.allSettled([
      commits.run(
        () => insert("a"),
        () => told.push("a"),
      ),
      commits.run(
        () => insert("b"),
        () => {
          throw new Error("listener b broke");
        },
      ),
      commits.run(
        () => insert("c"),
        () => told.push("c"),
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe("listener b broke");
    expect(told).toEqual(["a", "c"]);
    expect(values()).toEqual(["a", "b", "c"]);
    // The next batch is not stuck behind the failed callback.
    await commits.run(() => insert("d"));
    expect(values()).toEqual(["a", "b", "c", "d"]);
  });

  test("transactions of one turn share one commit; a later turn opens a new batch", async () => {
    const { commits, insert } = groupCommit();
    const order: string[] = [];
    const first = [
      commits.run(
        () => insert("1"),
        () => order.push("1"),
      ),
      commits.run(
        () => insert("2"),
        () => order.push("2"),
      ),
    ];
    await Promise.all(first);
    await commits.run(
      () => insert("3"),
      () => order.push("3"),
    );
    expect(order).toEqual(["1", "2", "3"]);
    await commits.flushed();
    expect(sqlite!.inTransaction).toBe(false);
  });

  test("a failing transaction is rolled back to its savepoint alone", async () => {
    const { commits, insert, values } = groupCommit();
    const results = await Promise.allSettled([
      commits.run(() => insert("kept")),
      commits.run(() => {
        insert("undone");
        throw new Error("no");
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected"]);
    expect(values()).toEqual(["kept"]);
  });
});
