import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { line, SimulatedPos } from "../helpers/simulated-pos.ts";
import { runToExit, spawnServer, type ServerProcess } from "../helpers/process.ts";

let running: ServerProcess | undefined;
afterEach(async () => {
  running?.child.kill("SIGKILL");
  await running?.exited;
  running = undefined;
});

/** Edits its own order over and over until stopped; remembers every revision a reply confirmed. */
function keepEditing(terminal: SimulatedPos, uid: string) {
  const confirmed: number[] = [];
  let stopped = false;
  const loop = (async () => {
    for (let qty = 1; !stopped; qty++) {
      const reply = await terminal.editOrder(uid, [line(`${uid}-l1`, qty)]);
      if (reply.action === "update_revision_ID") confirmed.push(reply.revision_ID);
    }
  })();
  const stop = async () => {
    stopped = true;
    await loop;
  };
  return { confirmed, stop };
}

/** Edits until the server accepts (a terminal ahead of a restored server is re-synced first). */
async function editUntilAccepted(terminal: SimulatedPos, uid: string, qty: number) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const reply = await terminal.editOrder(uid, [line(`${uid}-l1`, qty)]);
    if (reply.action === "update_revision_ID") return reply;
  }
  throw new Error(`${uid} was never accepted`);
}

describe("pos-sync backup", () => {
  test("backs up under load; restored and restarted, the server has everything confirmed before the backup and terminals resume", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pos-sync-backup-"));
    const db = join(dir, "pos-sync.sqlite");
    const backup = join(dir, "backup.sqlite");
    running = await spawnServer({ POS_SYNC_DB: db, POS_SYNC_POLL_TIMEOUT: "1" });
    const port = new URL(running.url).port;
    const cashiers = [1, 2, 3].map((posId) => new SimulatedPos(running!.url, { posId, userId: posId }));
    const observer = new SimulatedPos(running.url, { posId: 9, userId: 9 });
    for (const terminal of [...cashiers, observer]) await terminal.syncAll();
    const load = cashiers.map((terminal) => keepEditing(terminal, `o${terminal.posId}`));
    while (load.some((l) => l.confirmed.length < 5)) await new Promise((resolve) => setTimeout(resolve, 20));

    const confirmedBefore = load.map((l) => l.confirmed.at(-1)!);
    const result = await runToExit({ POS_SYNC_DB: db }, ["backup", backup], 30_000);
    expect(result.output).toMatch(/backed up .* orders/);
    expect(result.code).toBe(0);
    const confirmedDuring = load.map((l) => l.confirmed.length);
    while (load.some((l, i) => l.confirmed.length < confirmedDuring[i]! + 3)) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const l of load) await l.stop();
    while ((await observer.catchUp()).length > 0);
    const cursorBeforeRestore = observer.poller.last;

    // Restore: stop the server, put the backup in place of the file (and drop the old WAL), start.
    running.child.kill("SIGKILL");
    await running.exited;
    copyFileSync(backup, db);
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    running = await spawnServer({ POS_SYNC_DB: db, POS_SYNC_PORT: port, POS_SYNC_POLL_TIMEOUT: "1" });

    const restored = await observer.syncAll();
    const revisions = Object.fromEntries(restored.data.orders.map((order: any) => [order.data.uid, order.data.revision_ID]));
    for (const [i, terminal] of cashiers.entries()) expect(revisions[`o${terminal.posId}`]).toBeGreaterThanOrEqual(confirmedBefore[i]!);

    for (const terminal of cashiers) await editUntilAccepted(terminal, `o${terminal.posId}`, 1000);
    // The observer's cursor from before the restore still reaches the new broadcasts.
    const resumed = await observer.catchUp();
    expect(
      resumed
        .map((m) => m.data.uid)
        .filter(Boolean)
        .sort(),
    ).toEqual(expect.arrayContaining(["o1", "o2", "o3"]));
    expect(observer.poller.last).toBeGreaterThan(cursorBeforeRestore);
    for (const terminal of [...cashiers, observer]) await terminal.syncAll();
    for (const terminal of cashiers) expect(terminal.revisions()).toEqual(observer.revisions());
  });

  test("refuses a missing database and a destination that is the database itself, and leaves no file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pos-sync-backup-"));
    const missing = await runToExit({}, ["backup", join(dir, "copy.sqlite"), "--db", join(dir, "none.sqlite")]);
    expect(missing.code).toBe(1);
    expect(missing.output).toContain("no database at");
    const same = await runToExit({ POS_SYNC_DB: join(dir, "a.sqlite") }, ["backup", join(dir, "a.sqlite")]);
    expect(same.code).toBe(1);
    expect(same.output).toContain("must not be the database itself");
    expect((await runToExit({}, ["backup"])).code).toBe(2);
  });
});
