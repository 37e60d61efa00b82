import { afterEach, describe, expect, test } from "vitest";

import { startServer, type TestServer } from "../helpers/server.ts";
import { serverOrder, serverScreen, settle, SimulatedPos } from "../helpers/simulated-pos.ts";
import { waitFor } from "../helpers/wait.ts";

/**
 * POS_SYNC_MERGE: terminals that behave like the unmodified POS edit one order at the same
 * moment ("at the same moment": the second sends before its bus brought it the first's change).
 */
let server: TestServer;
afterEach(async () => {
  await server?.close();
});

const COFFEE = 1;
const TEA = 2;
const CAKE = 3;
const JUICE = 4;

/** Terminals sharing a session, with order o1 holding one coffee and one tea on every screen. */
async function shopWithOrder(terminalCount = 2, overrides: Record<string, unknown> = { merge: true }) {
  server = await startServer(overrides);
  const terminals = Array.from({ length: terminalCount }, (_, i) => new SimulatedPos(server.url, { posId: i + 1 }));
  for (const terminal of terminals) await terminal.start();
  const [first] = terminals;
  await first!.newOrder("o1");
  await first!.addProduct("o1", COFFEE);
  await first!.addProduct("o1", TEA);
  await settle(terminals);
  for (const terminal of terminals)
    expect(terminal.screen("o1")).toEqual([
      [COFFEE, 1],
      [TEA, 1],
    ]);
  return terminals;
}

/** Every terminal shows what the server holds, none saw a message_ID gap; returns that screen. */
async function expectConverged(terminals: SimulatedPos[], uid = "o1") {
  await settle(terminals);
  const held = serverScreen(await serverOrder(server.url, uid));
  for (const terminal of terminals) {
    expect(sorted(terminal.screen(uid)), `POS ${terminal.posId}`).toEqual(sorted(held));
    expect(terminal.gaps, `POS ${terminal.posId} message_ID gaps`).toBe(0);
  }
  return sorted(held);
}

const sorted = (screen: Array<[number, number]>) => [...screen].sort((a, b) => a[0] - b[0]);
/** Counted by each node that merged: summed over the nodes (two on the cluster run). */
const counts = () => {
  const total = { merged: 0, conflict: 0, unmergeable: 0 };
  for (const node of server.nodes) for (const [name, count] of Object.entries(node.merges.snapshot())) total[name as keyof typeof total] += count;
  return total;
};
/** The order's revisions kept in the history, read through the store (either store). */
const storedRevisions = (terminal: SimulatedPos, uid: string) =>
  server.store.transaction(async (tx) => tx.listRevisionsSince(terminal.dbname, terminal.multiSessionId, uid, 0));

describe("merge on", () => {
  type Edit = (pos: SimulatedPos) => Promise<void>;
  const setQuantity =
    (product: number, qty: number): Edit =>
    (pos) =>
      pos.setQuantity("o1", product, qty);
  const add =
    (product: number): Edit =>
    (pos) =>
      pos.addProduct("o1", product);

  test.each([
    {
      story: "two terminals change different lines at the same moment: both edits kept everywhere",
      a: setQuantity(COFFEE, 5),
      b: setQuantity(TEA, 7),
      reply: expect.objectContaining({ action: "update_revision_ID", uid: "o1" }),
      warnings: 0,
      screen: [
        [COFFEE, 5],
        [TEA, 7],
      ],
      merges: { merged: 1, conflict: 0, unmergeable: 0 },
    },
    {
      story: "both add a product at the same moment: both lines kept",
      a: add(CAKE),
      b: add(JUICE),
      warnings: 0,
      screen: [
        [COFFEE, 1],
        [TEA, 1],
        [CAKE, 1],
        [JUICE, 1],
      ],
    },
    {
      story: "both add the product already on the order: the same change on one line is still a conflict",
      a: add(COFFEE),
      b: add(COFFEE),
      reply: { action: "revision_error", order_uid: "o1", state: "draft" },
      warnings: 1,
      screen: [
        [COFFEE, 2],
        [TEA, 1],
      ],
      merges: { merged: 0, conflict: 1, unmergeable: 0 },
    },
    {
      story: "the same line changed differently: refused, and every terminal ends with the first change",
      a: setQuantity(COFFEE, 5),
      b: setQuantity(COFFEE, 9),
      reply: expect.objectContaining({ action: "revision_error" }),
      screen: [
        [COFFEE, 5],
        [TEA, 1],
      ],
    },
  ])("$story", async ({ a: editOfA, b: editOfB, reply, warnings, screen, merges }) => {
    const [a, b] = await shopWithOrder();
    await editOfA(a!);
    await editOfB(b!);

    if (reply) expect(b!.replies.at(-1)).toEqual(reply);
    if (warnings !== undefined) expect(b!.warnings).toBe(warnings);
    expect(await expectConverged([a!, b!])).toEqual(screen);
    if (merges) expect(counts()).toEqual(merges);
  });

  test("a removal against an edit, either way round: refused, all converge", async () => {
    const [a, b] = await shopWithOrder();
    await a!.removeLine("o1", COFFEE);
    await b!.setQuantity("o1", COFFEE, 9);
    expect(b!.replies.at(-1)).toMatchObject({ action: "revision_error" });
    expect(await expectConverged([a!, b!])).toEqual([[TEA, 1]]);

    await a!.setQuantity("o1", TEA, 3);
    await b!.removeLine("o1", TEA);
    expect(b!.replies.at(-1)).toMatchObject({ action: "revision_error" });
    expect(await expectConverged([a!, b!])).toEqual([[TEA, 3]]);
    expect(counts().conflict).toBe(2);
  });

  test("an order field both changed is a conflict; one changed by one side only is merged", async () => {
    const [a, b] = await shopWithOrder();
    await a!.setNote("o1", "no sugar");
    await b!.setQuantity("o1", TEA, 2);
    expect(b!.replies.at(-1)).toMatchObject({ action: "update_revision_ID" });
    await expectConverged([a!, b!]);
    expect((await serverOrder(server.url, "o1"))!.note).toBe("no sugar");

    await a!.setNote("o1", "to go");
    await b!.setNote("o1", "eat in");
    expect(b!.replies.at(-1)).toMatchObject({ action: "revision_error" });
    await expectConverged([a!, b!]);
    expect((await serverOrder(server.url, "o1"))!.note).toBe("to go");
  });

  test("the sender sees the merge: its copy is applied, gap-free, with the other's change and its own marked", async () => {
    const [a, b] = await shopWithOrder();
    await a!.setQuantity("o1", COFFEE, 5);
    await b!.addProduct("o1", CAKE);

    // B's channel: A's update, B's own merged update (ignored), then the copy B applies.
    const [fromA, own, copy] = await b!.deliver(3);
    expect(fromA).toMatchObject({ action: "update_order", data: { revision_ID: 3 } });
    expect(own).toMatchObject({ session_id: b!.sessionId, data: { revision_ID: 4, message_ID: fromA!.data.message_ID + 1 } });
    expect(copy).toMatchObject({ session_id: null, login_number: null, data: { revision_ID: 4, message_ID: fromA!.data.message_ID + 2 } });
    const coffee = copy!.data.lines.find(([, , line]: any) => line.product_id === COFFEE)[2];
    const tea = copy!.data.lines.find(([, , line]: any) => line.product_id === TEA)[2];
    const cake = copy!.data.lines.find(([, , line]: any) => line.product_id === CAKE)[2];
    // The other's change, and B's own new line (re-asserted, in case an older copy overwrote it); not the untouched tea.
    expect(coffee).toMatchObject({ qty: 5, is_changed: true });
    expect(cake).toMatchObject({ qty: 1, is_changed: true });
    expect(tea.is_changed).toBeUndefined();
    expect(b!.screen("o1")).toEqual([
      [COFFEE, 5],
      [TEA, 1],
      [CAKE, 1],
    ]);
    expect(b!.orders.get("o1")!.revision_ID).toBe(4);
    expect(await expectConverged([a!, b!])).toEqual([
      [COFFEE, 5],
      [TEA, 1],
      [CAKE, 1],
    ]);
  });

  test("the sender's reply arrives before the other's broadcast, then it edits again: accepted, no false conflict", async () => {
    const [a, b] = await shopWithOrder();
    await a!.setQuantity("o1", COFFEE, 5);
    await b!.addProduct("o1", CAKE);
    // Only A's broadcast (revision 3) reaches B: B takes revision 3 and, its cake line no
    // longer offline, drops it from the screen until its copy arrives.
    await b!.deliver(1);
    expect(b!.orders.get("o1")!.revision_ID).toBe(3);
    expect(b!.screen("o1")).toEqual([
      [COFFEE, 5],
      [TEA, 1],
    ]);

    await b!.setQuantity("o1", TEA, 8);
    expect(b!.replies.at(-1)).toMatchObject({ action: "update_revision_ID" });
    expect(b!.warnings).toBe(0);
    expect(await expectConverged([a!, b!])).toEqual([
      [COFFEE, 5],
      [TEA, 8],
      [CAKE, 1],
    ]);
    expect(counts()).toEqual({ merged: 2, conflict: 0, unmergeable: 0 });
  });

  test("the merged terminal edits again before its bus brings anything: the other's change is not lost", async () => {
    const [a, b] = await shopWithOrder();
    await a!.addProduct("o1", JUICE);
    await b!.addProduct("o1", CAKE);
    await b!.setQuantity("o1", TEA, 8);

    expect(b!.warnings).toBe(0);
    expect(await expectConverged([a!, b!])).toEqual([
      [COFFEE, 1],
      [TEA, 8],
      [CAKE, 1],
      [JUICE, 1],
    ]);
  });

  test("the sender's copy arrives before its reply: its new line stays on screen, and the reply does not move it back", async () => {
    const [a, b] = await shopWithOrder(2, { merge: true, testFeatures: true, slowDelayMs: 2000 });
    await a!.setQuantity("o1", COFFEE, 5);
    const repliesBefore = b!.replies.length;
    b!.headers = { phantomtest: "slowConnection" };
    const sent = b!.addProduct("o1", CAKE);
    // While the reply is held, B's bus brings A's update, B's own, and the copy.
    await waitFor(async () => {
      await b!.deliver(Infinity);
      return b!.orders.get("o1")!.revision_ID === 4;
    }, "B applying its copy");
    expect(b!.replies).toHaveLength(repliesBefore);
    expect(b!.screen("o1")).toEqual([
      [COFFEE, 5],
      [TEA, 1],
      [CAKE, 1],
    ]);
    await sent;
    b!.headers = undefined;
    expect(b!.orders.get("o1")!.revision_ID).toBe(4);
    expect(await expectConverged([a!, b!])).toEqual([
      [COFFEE, 5],
      [TEA, 1],
      [CAKE, 1],
    ]);
  });

  test("three terminals change three things at the same moment: all kept on every screen", async () => {
    const [a, b, c] = await shopWithOrder(3);
    await a!.setQuantity("o1", COFFEE, 5);
    await b!.addProduct("o1", CAKE);
    await c!.setQuantity("o1", TEA, 7);

    expect([a!, b!, c!].map((terminal) => terminal.warnings)).toEqual([0, 0, 0]);
    expect(await expectConverged([a!, b!, c!])).toEqual([
      [COFFEE, 5],
      [TEA, 7],
      [CAKE, 1],
    ]);
    expect(counts()).toEqual({ merged: 2, conflict: 0, unmergeable: 0 });
  });

  test("a stale revision no longer in the history of 32 is refused as before", async () => {
    const [a, b] = await shopWithOrder();
    for (let qty = 2; qty <= 34; qty++) await a!.setQuantity("o1", COFFEE, qty);
    await b!.setQuantity("o1", TEA, 7);

    expect(b!.replies.at(-1)).toMatchObject({ action: "revision_error" });
    expect(counts()).toEqual({ merged: 0, conflict: 0, unmergeable: 1 });
    await settle([a!, b!]);
    expect(serverScreen(await serverOrder(server.url, "o1"))).toEqual([
      [COFFEE, 34],
      [TEA, 1],
    ]);
    const revisions = (await storedRevisions(a!, "o1")).map((revision) => revision.revisionId);
    expect({ low: Math.min(...revisions), high: Math.max(...revisions), n: revisions.length }).toEqual({ low: 4, high: 35, n: 32 });
  });

  test("the history survives a restart: a stale update sent across it is merged", async () => {
    const [a, b] = await shopWithOrder();
    await a!.setQuantity("o1", COFFEE, 5);
    const { dbPath, url } = server;
    await server.close();
    server = await startServer({ merge: true, port: Number(new URL(url).port) }, { dbPath });

    await b!.setQuantity("o1", TEA, 7);
    expect(b!.replies.at(-1)).toMatchObject({ action: "update_revision_ID" });
    expect(await expectConverged([a!, b!])).toEqual([
      [COFFEE, 5],
      [TEA, 7],
    ]);
  });
});

describe("merge off (the default)", () => {
  test("today's behaviour exactly: the second edit gets revision_error, is lost, and no history is written", async () => {
    const [a, b] = await shopWithOrder(2, {});
    await a!.setQuantity("o1", COFFEE, 5);
    await b!.setQuantity("o1", TEA, 7);

    expect(b!.replies.at(-1)).toEqual({ action: "revision_error", order_uid: "o1", state: "draft" });
    expect(b!.warnings).toBe(1);
    await settle([a!, b!]);
    expect(serverScreen(await serverOrder(server.url, "o1"))).toEqual([
      [COFFEE, 5],
      [TEA, 1],
    ]);
    expect(a!.screen("o1")).toEqual([
      [COFFEE, 5],
      [TEA, 1],
    ]);
    // B's edit is lost; its sync_all snapshot marks every line, so B's screen at least shows what the server kept.
    expect(b!.screen("o1")).toEqual([
      [COFFEE, 5],
      [TEA, 1],
    ]);
    expect(counts()).toEqual({ merged: 0, conflict: 0, unmergeable: 0 });
    expect(await storedRevisions(a!, "o1")).toEqual([]);
  });
});
