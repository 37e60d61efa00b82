import { describe, expect, test } from "vitest";
import { stamped, stampedJsonParts } from "../../src/sync/broadcast.ts";
import type { SyncMessage } from "../../src/sync/context.ts";

describe("a broadcast's copies, serialised once", () => {
  test("each copy is exactly the message stamped with that terminal's message_ID, key order kept", () => {
    const messages: SyncMessage[] = [
      { action: "update_order", data: { uid: "o1", message_ID: 3, lines: [[0, 0, { qty: 1 }]], note: "message_ID" }, login_number: 1 },
      { action: "sync_all", data: {} },
      { action: "bench", data: { text: 'quotes " and \\ and \u0000', nested: { message_ID: 9 } }, session_id: 4 },
    ];
    for (const message of messages) {
      const { before, after } = stampedJsonParts(message);
      for (const id of [1, 42, 2 ** 40]) expect(before + id + after).toBe(JSON.stringify(stamped(message, id)));
    }
  });

  test("the message is not changed", () => {
    const message: SyncMessage = { action: "update_order", data: { uid: "o1", message_ID: 3 } };
    stampedJsonParts(message);
    expect(message).toEqual({ action: "update_order", data: { uid: "o1", message_ID: 3 } });
  });
});
