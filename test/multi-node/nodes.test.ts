import { afterEach, describe, expect, test } from "vitest";
import { line, serverRevisions, SimulatedPos } from "../helpers/simulated-pos.ts";
import { spawnServer, type ServerProcess } from "../helpers/process.ts";
import { rpc } from "../helpers/rpc.ts";
import { tempDb, terminateBackends, withAdmin } from "../helpers/test-store.ts";
import { waitFor } from "../helpers/wait.ts";

let nodes: ServerProcess[] = [];
afterEach(async () => {
  for (const node of nodes) node.child.kill("SIGKILL");
  await Promise.all(nodes.map((node) => node.exited));
  nodes = [];
});

/** `count` real processes (`node dist/main.js`) on one PostgreSQL database, started at the same moment. */
async function startNodes(count: number, db: string): Promise<ServerProcess[]> {
  nodes = await Promise.all(
    Array.from({ length: count }, () => spawnServer({ POS_SYNC_DB: db, POS_SYNC_POLL_TIMEOUT: "2", POS_SYNC_PG_STATEMENT_TIMEOUT_MS: "2000" })),
  );
  await Promise.all(nodes.map((node) => waitFor(async () => (await health(node.url)).listening === true, "LISTEN to be up")));
  return nodes;
}

async function health(url: string): Promise<{ status: string; store: string; database: boolean; listening?: boolean; httpStatus: number }> {
  const response = await fetch(`${url}/healthz`);
  return { ...((await response.json()) as { status: string; store: string; database: boolean; listening?: boolean }), httpStatus: response.status };
}

/**
 * Every message_ID a terminal got, broadcasts and sync_all replies alike: 2, 3, 4, ... with
 * nothing twice, and nothing missing but the ids of sync_all replies lost with a killed node
 * (committed, then the node died before answering: at most one id for each unanswered sync_all).
 */
function expectGapless(terminal: SimulatedPos): void {
  const ids = [...terminal.messageIds, ...terminal.syncReplyIds].sort((a, b) => a - b);
  expect(new Set(ids).size, `message_IDs received twice by terminal ${terminal.posId}`).toBe(ids.length);
  const highest = ids[ids.length - 1] ?? 1;
  const missing = Array.from({ length: highest - 1 }, (_, i) => 2 + i).filter((id) => !ids.includes(id));
  expect(missing.length, `terminal ${terminal.posId} missed message_IDs ${missing} with ${terminal.unansweredSyncs} sync_all unanswered`).toBeLessThanOrEqual(
    terminal.unansweredSyncs,
  );
  expect(terminal.messageIds).toEqual([...terminal.messageIds].sort((a, b) => a - b));
}

describe("several nodes on one PostgreSQL database", () => {
  test("three nodes: a broadcast through node 1 reaches terminals polling nodes 2 and 3; a nonce retry at another node is recognised; conflicting updates at two nodes: one wins", async () => {
    const [n1, n2, n3] = await startNodes(3, await tempDb());
    expect(await health(n1!.url)).toMatchObject({ status: "ok", store: "postgres", database: true, listening: true });
    const [a, b, c] = [n1!, n2!, n3!].map((node, i) => new SimulatedPos(node.url, { posId: i + 1 }));
    for (const terminal of [a!, b!, c!]) await terminal.syncAll();
    for (const terminal of [a!, b!, c!]) await terminal.catchUp();

    await a!.editOrder("o1", [line("l1", 1)]);
    const [[atB], [atC]] = await Promise.all([b!.receive(1), c!.receive(1)]);
    expect(atB).toMatchObject({ action: "update_order", data: { uid: "o1", revision_ID: 1 } });
    expect(atC).toMatchObject({ action: "update_order", data: { uid: "o1", revision_ID: 1 } });

    // The same update (same nonce) sent to node 1, then retried at node 2: applied once.
    const update = { uid: "o1", revision_ID: 1, nonce: "n-42", sequence_number: 1, run_ID: 1, lines: [] };
    expect(await a!.send("update_order", update)).toMatchObject({ action: "update_revision_ID", revision_ID: 2 });
    const retry = await rpc(`${n2!.url}/pos_multi_session_sync/update`, {
      multi_session_id: 1,
      dbname: "shop1",
      user_ID: 1,
      message: { action: "update_order", data: update },
    });
    expect(retry.body.result).toEqual({ action: "" });

    // Two terminals edit o1 at revision 2 through two nodes at the same moment: exactly one wins.
    const conflicting = (terminal: SimulatedPos) =>
      terminal.send("update_order", { uid: "o1", revision_ID: 2, nonce: `n-${terminal.posId}`, sequence_number: 1, run_ID: 1, lines: [] });
    const replies = await Promise.all([conflicting(b!), conflicting(c!)]);
    expect(replies.map((reply) => reply.action).sort()).toEqual(["revision_error", "update_revision_ID"]);
  });

  test("kill -9 of node 2 under continuous updates: its terminals re-poll node 3 with their cursors and get everything in order; all converge", async () => {
    const [n1, n2, n3] = await startNodes(3, await tempDb());
    const homes = [n1!, n2!, n2!, n3!];
    // Lenient: replies and broadcasts cross, and every message_ID a terminal is sent is counted.
    const terminals = homes.map((node, i) => new SimulatedPos(node.url, { posId: i + 1, lenient: true }));
    for (const terminal of terminals) await terminal.syncAll();
    for (const terminal of terminals) await terminal.catchUp();
    const failOver = async (terminal: SimulatedPos) => {
      if (terminal.url === n2!.url) terminal.moveTo(n3!.url);
      else await new Promise((resolve) => setTimeout(resolve, 50));
    };
    const stops = terminals.map((terminal) => terminal.listen(() => failOver(terminal)));

    let killed = false;
    const edits = terminals.map(async (terminal, t) => {
      for (let i = 0; i < 30; i++) {
        if (t === 0 && i === 10) {
          nodes[1]!.child.kill("SIGKILL");
          killed = true;
        }
        const uid = i % 2 === 0 ? `own-${t}` : `shared-${i % 3}`;
        try {
          await terminal.editOrder(uid, [line(`${uid}-l${t}`, i)]);
        } catch {
          // Node 2 died under the request: whether it committed or not, a sync_all at node 3 tells.
          await failOver(terminal);
          await terminal.syncAllNow(uid);
        }
      }
    });
    await Promise.all(edits);
    expect(killed).toBe(true);
    expect(terminals[1]!.url).toBe(n3!.url);
    for (const stop of stops) await stop();

    const truth = await serverRevisions(n1!.url);
    expect(Object.keys(truth)).toHaveLength(7);
    for (const terminal of terminals) {
      expectGapless(terminal);
      expect(terminal.revisions()).toEqual(truth);
    }
  });

  test("the database away under the nodes: requests fail with a clear error and write nothing; the nodes recover by themselves", async () => {
    const db = await tempDb();
    const [n1, n2] = await startNodes(2, db);
    const a = new SimulatedPos(n1!.url, { posId: 1 });
    const b = new SimulatedPos(n2!.url, { posId: 2 });
    await a.syncAll();
    await b.syncAll();
    await b.catchUp();
    await a.editOrder("o1", [line("l1", 1)]);
    await b.receive(1);

    // Stands in for a PostgreSQL restart without restarting the machine's shared cluster: no
    // new connections to this database, and every open one ended.
    const name = new URL(db).pathname.slice(1);
    await withAdmin((admin) => admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`));
    await terminateBackends(db);
    try {
      await waitFor(async () => (await health(n1!.url)).httpStatus === 503, "node 1 to report the database away");
      expect(await health(n2!.url)).toMatchObject({ status: "unavailable", store: "postgres", database: false, listening: false });
      const failed = await rpc(`${n1!.url}/pos_multi_session_sync/update`, {
        multi_session_id: 1,
        dbname: "shop1",
        user_ID: 1,
        message: { action: "update_order", data: { uid: "o1", revision_ID: 2, nonce: "away", sequence_number: 1, run_ID: 1, lines: [] } },
      });
      expect(failed.body.error?.data).toMatchObject({ name: "odoo.exceptions.UserError" });
      expect(failed.body.error?.data?.message).toMatch(/^database unavailable: .*nothing was written/);
    } finally {
      await withAdmin((admin) => admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS true`));
    }

    for (const node of [n1!, n2!]) await waitFor(async () => (await health(node.url)).status === "ok", "the node to recover", 15_000);
    // Nothing of the failed request was written: revision 2 is still free, and it crosses nodes again.
    const reply = await a.editOrder("o1", [line("l1", 2)]);
    expect(reply).toMatchObject({ action: "update_revision_ID", revision_ID: 2 });
    const [relayed] = await b.receive(1);
    expect(relayed).toMatchObject({ action: "update_order", data: { uid: "o1", revision_ID: 2 } });
    expectGapless(b);
  });
});
