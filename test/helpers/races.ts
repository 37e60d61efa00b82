import { expect } from "vitest";
import { committedIds } from "./committed-ids.ts";
import type { TestServer } from "./server.ts";
import { line, serverRevisions, type SimulatedPos } from "./simulated-pos.ts";
import { waitFor } from "./wait.ts";

/**
 * The original add-on's race, from the moment both hold o1 at revision 1: admin's edit is
 * committed but its reply is slow (a header of the slow-connection mode, or a fault rule set
 * beforehand); demo edits the revision it has and is refused, takes admin's order from its
 * sync_all; admin wins and all three, server included, end on revision 2.
 */
export async function bothEditOneOrder(server: TestServer, admin: SimulatedPos, demo: SimulatedPos, adminHeaders?: Record<string, string>): Promise<void> {
  const before = await committedIds(server.store);
  const adminEdit = admin.editOrder("o1", [line("l1", 2)], adminHeaders);
  await waitFor(async () => (await committedIds(server.store)) !== before, "admin's update to be committed");
  const demoEdit = await demo.editOrder("o1", [line("l1", 7)]);
  expect(demoEdit).toMatchObject({ action: "revision_error", state: "draft" });
  expect(demo.orders.get("o1")!.data.lines).toEqual([[0, 0, { ...line("l1", 2), is_changed: true }]]);
  expect(await adminEdit).toMatchObject({ action: "update_revision_ID", revision_ID: 2 });
  await demo.catchUp();
  expect(admin.revisions()).toEqual({ o1: 2 });
  expect(demo.revisions()).toEqual({ o1: 2 });
  expect(await serverRevisions(server.url)).toEqual({ o1: 2 });
}
