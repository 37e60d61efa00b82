import { afterEach, describe, expect, test } from "vitest";
import { call } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { serverOrder, serverScreen, settle, startedTerminals } from "../helpers/simulated-pos.ts";

/**
 * Nothing typed is lost without a trace (issue 21): a refused edit is kept and can be
 * re-applied or dismissed through the console's JSON routes, an ended run's open orders can be
 * restored, and a uid taken by another terminal's order is refused and kept, not replaced.
 */
let server: TestServer;
afterEach(async () => {
  await server?.close();
});

const SESSION = "/console/api/databases/shop1/sessions/1";

async function getJson(path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`);
  return { status: response.status, body: await response.json() };
}

async function post(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, { method: "POST", headers });
  return { status: response.status, body: await response.json() };
}

function update(posId: number, data: Record<string, unknown>, userId = posId) {
  const message = {
    action: "update_order",
    data: { pos_id: posId, run_ID: 1, nonce: `${posId}-${Math.random()}`, ...data },
    session_id: 100 + posId,
    login_number: 1,
  };
  return call<any>(`${server.url}/pos_multi_session_sync/update`, { multi_session_id: 1, dbname: "shop1", user_ID: userId, message });
}

const lineOf = (uid: string, productId: number, qty: number) => [0, 0, { uid, id: 1, product_id: productId, qty, price_unit: 10 }];

describe("a refused edit is kept", () => {
  test("two cashiers edit one order; the late one is found through the JSON route, re-applied, and every terminal converges on it", async () => {
    server = await startServer();
    const [a, b] = await startedTerminals(server.url, [1, 2]);
    await a.newOrder("o1");
    await a.addProduct("o1", 5);
    await settle([a, b]);

    await a.setQuantity("o1", 5, 3); // revision 2; b has not seen it
    await b.addProduct("o1", 7); // typed against revision 1: refused
    expect(b.warnings).toBe(1);
    await settle([a, b]);
    expect(b.screen("o1")).toEqual([[5, 3]]); // the POS took the server's copy: b's product 7 is gone from every screen

    const listed = await getJson(`${SESSION}/refused-edits`);
    expect(listed.status).toBe(200);
    expect(listed.body.edits).toHaveLength(1);
    const [edit] = listed.body.edits;
    expect(edit).toMatchObject({
      uid: "o1",
      action: "update_order",
      reason: "revision_error",
      posId: 2,
      userId: 2,
      typedRevision: 1,
      server: { revision: 2, state: "draft" },
      status: "open",
    });
    expect(serverScreen(edit.data)).toEqual([
      [5, 1],
      [7, 1],
    ]);
    expect((await getJson(`${SESSION}/refused-edits?uid=o1`)).body.edits).toHaveLength(1);
    expect((await getJson(`${SESSION}/refused-edits?uid=other`)).body.edits).toHaveLength(0);

    const reapplied = await post(`${SESSION}/refused-edits/${edit.id}/reapply`);
    expect(reapplied.status).toBe(200);
    expect(reapplied.body).toMatchObject({ uid: "o1", revision: 3, edit: { status: "reapplied", reappliedRevision: 3 } });
    await settle([a, b]);
    const onServer = await serverOrder(server.url, "o1");
    expect(onServer?.revision_ID).toBe(3);
    expect(serverScreen(onServer)).toEqual([
      [5, 1],
      [7, 1],
    ]);
    expect(a.screen("o1")).toEqual([
      [5, 1],
      [7, 1],
    ]);
    expect(b.screen("o1")).toEqual([
      [5, 1],
      [7, 1],
    ]);
    expect(a.orders.get("o1")!.revision_ID).toBe(3);
    expect(b.orders.get("o1")!.revision_ID).toBe(3);

    // Done once: a second re-apply or a dismissal is refused.
    expect((await post(`${SESSION}/refused-edits/${edit.id}/reapply`)).status).toBe(409);
    expect((await post(`${SESSION}/refused-edits/${edit.id}/dismiss`)).status).toBe(409);
  });

  test("a refused update writes only its row: no notification, no order change; a dismissed one stays listed as dismissed", async () => {
    server = await startServer();
    const [watcher] = await startedTerminals(server.url, [9]);
    await update(1, { uid: "o1", revision_ID: 1, lines: [lineOf("l1", 5, 1)] });
    await update(1, { uid: "o1", revision_ID: 1, lines: [lineOf("l1", 5, 2)] });
    await watcher.receive(2);
    const refused = await update(2, { uid: "o1", revision_ID: 1, lines: [lineOf("l1", 5, 9)] });
    expect(refused).toMatchObject({ action: "revision_error", state: "draft" });
    expect(await watcher.poller.pollOnce({ peek: true })).toEqual([]);
    expect(serverScreen(await serverOrder(server.url, "o1"))).toEqual([[5, 2]]);

    const refusedRemoval = await call<any>(`${server.url}/pos_multi_session_sync/update`, {
      multi_session_id: 1,
      dbname: "shop1",
      user_ID: 3,
      message: { action: "remove_order", data: { uid: "o1", revision_ID: 1, pos_id: 3 }, session_id: 103, login_number: 1 },
    });
    expect(refusedRemoval).toMatchObject({ action: "revision_error" });
    const { edits } = (await getJson(`${SESSION}/refused-edits`)).body;
    expect(edits.map((edit: any) => [edit.action, edit.posId])).toEqual([
      ["remove_order", 3],
      ["update_order", 2],
    ]);

    const dismissed = await post(`${SESSION}/refused-edits/${edits[1].id}/dismiss`);
    expect(dismissed).toMatchObject({ status: 200, body: { edit: { status: "dismissed" } } });
    expect((await getJson(`${SESSION}/refused-edits`)).body.edits[1]).toMatchObject({ status: "dismissed", resolvedAt: expect.any(Number) });
    expect(await watcher.poller.pollOnce({ peek: true })).toEqual([]);
  });

  test("with POS_SYNC_MERGE=1 only the same-line refusals are kept; a merged edit is not", async () => {
    server = await startServer({ merge: true });
    await update(1, { uid: "o1", revision_ID: 1, lines: [lineOf("l1", 5, 1)] });
    await update(1, { uid: "o1", revision_ID: 1, lines: [lineOf("l1", 5, 2)] });
    expect(await update(2, { uid: "o1", revision_ID: 1, lines: [lineOf("l1", 5, 1), lineOf("l2", 6, 1)] })).toMatchObject({ action: "update_revision_ID" });
    expect(await update(3, { uid: "o1", revision_ID: 1, lines: [lineOf("l1", 5, 7)] })).toMatchObject({ action: "revision_error" });
    const { edits } = (await getJson(`${SESSION}/refused-edits`)).body;
    expect(edits).toHaveLength(1);
    expect(edits[0]).toMatchObject({ posId: 3, typedRevision: 1, server: { revision: 3, state: "draft" } });
  });

  test("the routes name the bad field, answer 404 for an unknown edit, and refuse another site's page", async () => {
    server = await startServer();
    expect((await getJson("/console/api/databases/shop1/sessions/x/refused-edits")).body.error).toMatch(/^multiSessionId:/);
    expect((await post(`${SESSION}/refused-edits/abc/reapply`)).body.error).toMatch(/^id:/);
    expect((await post(`${SESSION}/refused-edits/12345/reapply`)).status).toBe(404);
    const foreign = await post(`${SESSION}/refused-edits/1/dismiss`, { Origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toMatch(/^Origin:/);
  });

  test("a multi-session keeps its newest 200 refused edits and every one of the current day", async () => {
    let now = new Date().setHours(0, 0, 0, 0) - 3_600_000; // yesterday, 23:00
    server = await startServer({}, { clock: { now: () => now } });
    await update(1, { uid: "o1", revision_ID: 1, lines: [] });
    await update(1, { uid: "o1", revision_ID: 1, lines: [] });
    for (let i = 0; i < 203; i++) await update(2, { uid: "o1", revision_ID: 1, note: `yesterday ${i}` });
    expect((await getJson(`${SESSION}/refused-edits`)).body.edits).toHaveLength(203); // all of that day

    now += 2 * 3_600_000; // today, 01:00: yesterday's beyond the newest 200 go at the next write
    await update(2, { uid: "o1", revision_ID: 1, note: "today 0" });
    expect((await getJson(`${SESSION}/refused-edits`)).body.edits).toHaveLength(200);
    for (let i = 1; i < 210; i++) await update(2, { uid: "o1", revision_ID: 1, note: `today ${i}` });
    const { edits } = (await getJson(`${SESSION}/refused-edits`)).body;
    expect(edits).toHaveLength(210);
    expect(edits.every((edit: any) => String(edit.data.note).startsWith("today"))).toBe(true);
  });
});

describe("orders left open when a run ended", () => {
  test("are listed with their content, and one restored into the current run appears on the terminals", async () => {
    server = await startServer();
    const [before] = await startedTerminals(server.url, [1], { runId: 1 });
    await before.editOrder("o-left", [{ uid: "l1", id: 1, product_id: 5, qty: 2 }]);
    await before.newOrder("o-paid", 2);
    await before.editOrder("o-paid", [{ uid: "l2", id: 1, product_id: 6, qty: 1 }]);
    await before.send("remove_order", { uid: "o-paid", revision_ID: 1, pos_id: 1 });

    // The multi-session is closed and opened again: run 2.
    const [waiter, cashier] = await startedTerminals(server.url, [2, 3], { runId: 2 });
    expect(waiter.orders.size).toBe(0);
    await waiter.editOrder("o-new", [{ uid: "l3", id: 1, product_id: 8, qty: 1 }]);

    const listed = await getJson(`${SESSION}/ended-run-orders`);
    expect(listed.body.orders).toHaveLength(1);
    expect(listed.body.orders[0]).toMatchObject({ uid: "o-left", revision: 1, runId: 1, lines: 1, lastChangeAt: expect.any(Number) });
    expect(serverScreen(listed.body.orders[0].data)).toEqual([[5, 2]]);

    const restored = await post(`${SESSION}/ended-run-orders/o-left/restore`);
    expect(restored).toMatchObject({ status: 200, body: { uid: "o-left", revision: 2, runId: 2, sequenceNumber: 2 } });
    for (const terminal of [waiter, cashier]) {
      const restoredOrder = await terminal.receiveOrder("o-left");
      expect(terminal.screen("o-left")).toEqual([[5, 2]]);
      expect(restoredOrder.data.lines).toMatchObject([[0, 0, { uid: "l1", product_id: 5, qty: 2 }]]);
      expect(restoredOrder.revision_ID).toBe(2);
    }
    const [fresh] = await startedTerminals(server.url, [4], { runId: 2 });
    expect([...fresh.orders.keys()].sort()).toEqual(["o-left", "o-new"]);
    expect((await getJson(`${SESSION}/ended-run-orders`)).body.orders).toEqual([]);
    expect((await post(`${SESSION}/ended-run-orders/o-left/restore`)).status).toBe(409);
    expect((await post(`${SESSION}/ended-run-orders/nope/restore`)).status).toBe(404);
  });
});

describe("a uid another terminal already holds (#917)", () => {
  const uid = "00042-001-0007";

  test("the offline terminal's first revision is refused and kept, not written over the first order; re-applied it becomes an order of its own", async () => {
    server = await startServer();
    await update(1, { uid, revision_ID: 1, order_on_server: false, sequence_number: 7, lines: [lineOf("a1", 5, 1)] });
    const late = await update(2, { uid, revision_ID: 1, order_on_server: false, sequence_number: 7, lines: [lineOf("b1", 6, 4)] });
    expect(late).toMatchObject({ action: "revision_error", order_uid: uid, state: "draft" });
    expect(serverScreen(await serverOrder(server.url, uid))).toEqual([[5, 1]]);

    const [edit] = (await getJson(`${SESSION}/refused-edits?uid=${uid}`)).body.edits;
    expect(edit).toMatchObject({ reason: "uid_collision", posId: 2, typedRevision: 1, server: { revision: 1, state: "draft" } });
    const reapplied = await post(`${SESSION}/refused-edits/${edit.id}/reapply`);
    expect(reapplied.body).toMatchObject({ uid: `${uid}-r${edit.id}`, revision: 1 });
    expect(serverScreen(await serverOrder(server.url, uid))).toEqual([[5, 1]]);
    expect(serverScreen(await serverOrder(server.url, `${uid}-r${edit.id}`))).toEqual([[6, 4]]);
  });

  test("still accepted: an edit of an order the terminal received, and the creator's own resend after a lost reply", async () => {
    server = await startServer();
    await update(1, { uid, revision_ID: 1, order_on_server: false, lines: [lineOf("a1", 5, 1)] });
    expect(await update(1, { uid, revision_ID: 1, order_on_server: false, lines: [lineOf("a1", 5, 2)] })).toMatchObject({ revision_ID: 2 });
    expect(await update(2, { uid, revision_ID: 2, order_on_server: true, lines: [lineOf("a1", 5, 3)] })).toMatchObject({ revision_ID: 3 });
    expect((await getJson(`${SESSION}/refused-edits`)).body.edits).toEqual([]);
  });

  test("orders of one terminal told apart by creation_date (#383: the same terminal reuses a uid)", async () => {
    server = await startServer();
    await update(1, { uid, revision_ID: 1, order_on_server: false, creation_date: "2026-12-04T10:00:00Z", lines: [lineOf("a1", 5, 1)] });
    const reused = await update(1, { uid, revision_ID: 1, order_on_server: false, creation_date: "2026-12-04T10:05:00Z", lines: [lineOf("a2", 6, 1)] });
    expect(reused).toMatchObject({ action: "revision_error" });
    expect((await getJson(`${SESSION}/refused-edits`)).body.edits[0]).toMatchObject({ reason: "uid_collision", posId: 1 });
  });
});
