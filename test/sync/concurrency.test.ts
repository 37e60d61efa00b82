import { afterEach, describe, expect, test } from "vitest";
import { line, PosTerminal } from "../helpers/pos-terminal.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

describe("concurrency", () => {
  test("5 terminals x 50 updates in parallel: gap-free, duplicate-free message_IDs, and everyone ends equal to the server", async () => {
    server = await startServer({ pollTimeout: 0.5 });
    const terminals = Array.from({ length: 5 }, (_, i) => new PosTerminal(server.url, { posId: i + 1, userId: i + 1 }));
    for (const terminal of terminals) await terminal.syncAll();
    // Set each cursor past what came before listening, as a POS does at start.
    for (const terminal of terminals) await terminal.catchUp();
    const stops = terminals.map((terminal) => terminal.listen());

    await Promise.all(
      terminals.map(async (terminal, t) => {
        for (let i = 0; i < 50; i++) {
          const uid = i % 2 === 0 ? `own-${t}` : `shared-${i % 3}`;
          await terminal.editOrder(uid, [line(`${uid}-l${t}`, i)]);
        }
      }),
    );
    for (const stop of stops) await stop();

    const observer = new PosTerminal(server.url, { posId: 99, userId: 99 });
    await observer.syncAll();
    const truth = observer.revisions();
    expect(Object.keys(truth).sort()).toEqual(["own-0", "own-1", "own-2", "own-3", "own-4", "shared-0", "shared-1", "shared-2"]);
    // Every accepted update was broadcast once to each of the five terminals.
    const accepted = Object.values(truth).reduce((sum, revision) => sum + revision, 0);
    for (const terminal of terminals) {
      // A terminal's counter moves with each broadcast it is sent and each sync_all it asks for.
      const ids = [...terminal.messageIds, ...terminal.syncReplyIds].sort((a, b) => a - b);
      expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => 2 + i));
      expect(terminal.messageIds).toHaveLength(accepted);
      expect(terminal.messageIds).toEqual([...terminal.messageIds].sort((a, b) => a - b));
      expect(terminal.revisions()).toEqual(truth);
    }
  }, 60_000);
});
