import { afterEach, describe, expect, test } from "vitest";
import { line, serverRevisions, syncedTerminals } from "../helpers/simulated-pos.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

describe("concurrency", () => {
  test("5 terminals x 50 updates in parallel: gap-free, duplicate-free message_IDs, and everyone ends equal to the server", async () => {
    server = await startServer({ pollTimeout: 0.5 });
    // Lenient: a reply and a broadcast crossing must not leave a terminal behind the server.
    const terminals = await syncedTerminals(
      server.url,
      [1, 2, 3, 4, 5].map((posId) => ({ posId, lenient: true })),
    );
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

    const truth = await serverRevisions(server.url);
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
