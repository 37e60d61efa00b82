import { afterEach, describe, expect, test } from "vitest";
import { adminAndDemo, line, serverRevisions } from "../helpers/simulated-pos.ts";
import { spawnServer, type ServerProcess } from "../helpers/process.ts";
import { tempDb } from "../helpers/test-store.ts";

let running: ServerProcess | undefined;
afterEach(async () => {
  running?.child.kill("SIGKILL");
  await running?.exited;
  running = undefined;
});

describe("durability", () => {
  test("kill -9 right after a reply loses nothing the reply confirmed; counters and cursors carry on", async () => {
    const db = await tempDb();
    running = await spawnServer({ POS_SYNC_DB: db, POS_SYNC_POLL_TIMEOUT: "1" });
    const port = new URL(running.url).port;
    const { admin, demo } = await adminAndDemo(running.url);
    await admin.editOrder("o1", [line("l1", 1)]);
    await demo.receive(1);
    const confirmed = await admin.editOrder("o1", [line("l1", 2)]);
    expect(confirmed).toMatchObject({ action: "update_revision_ID", revision_ID: 2 });
    running.child.kill("SIGKILL");
    await running.exited;

    running = await spawnServer({ POS_SYNC_DB: db, POS_SYNC_PORT: port, POS_SYNC_POLL_TIMEOUT: "1" });
    // demo polls with the cursor it had: the update it had not read yet is there.
    const [missed] = await demo.receive(1);
    expect(missed).toMatchObject({ action: "update_order", data: { uid: "o1", revision_ID: 2, message_ID: 4 } });
    // The counters continue: the next broadcast is message 5 for demo.
    await admin.editOrder("o1", [line("l1", 3)]);
    const [next] = await demo.receive(1);
    expect(next!.data.message_ID).toBe(5);
    expect(next!.data.revision_ID).toBe(3);
    expect(await serverRevisions(running.url)).toEqual({ o1: 3 });
  });
});
