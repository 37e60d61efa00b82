import { afterEach, describe, expect, test } from "vitest";
import { Bus } from "../../src/bus/bus.ts";
import { PostgresStore } from "../../src/db/postgres/store.ts";
import { tempDb, withAdmin } from "../helpers/test-store.ts";
import { waitFor } from "../helpers/wait.ts";

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const closable of opened.splice(0).reverse()) await closable.close();
});

async function node(url: string) {
  const store = await PostgresStore.open({ url, poolSize: 4, statementTimeoutMs: 10_000 });
  opened.push(store);
  const bus = await Bus.open(store, { pollTimeoutMs: 10_000 });
  opened.push(bus);
  await waitFor(() => store.listening(), "LISTEN to be up");
  return { store, bus };
}

/** A transaction that takes its notification ids and then waits for `release` before committing. */
function heldTransaction(store: PostgresStore, channel: string, release: Promise<void>) {
  let took!: (ids: number[]) => void;
  const tookIds = new Promise<number[]>((resolve) => (took = resolve));
  const committed = store.transaction(async (tx) => {
    const sent = await tx.insertNotifications([{ channel, message: '"first"' }], Date.now());
    took(sent.map((n) => n.id));
    await release;
    return sent;
  });
  return { tookIds, committed };
}

async function waitingOnLock(url: string): Promise<number> {
  return withAdmin(async (admin) => {
    const { rows } = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock'", [
      new URL(url).pathname.slice(1),
    ]);
    return rows[0]!.n;
  });
}

describe("cursors are safe under concurrent commits (PostgreSQL)", () => {
  test("the transaction that took an id first cannot commit last: a later one waits for it, and a poller on a third node sees both in id order", async () => {
    const url = await tempDb();
    const [a, b, reader] = [await node(url), await node(url), await node(url)];
    const channel = '["shop1","pos.multi_session","1"]';
    const poll = reader.bus.poll([channel], await reader.store.lastCommittedId());

    let release!: () => void;
    const first = heldTransaction(a.store, channel, new Promise<void>((resolve) => (release = resolve)));
    const [firstId] = await first.tookIds;

    // The second tries to take an id and commit while the first still holds its own.
    let secondCommitted = false;
    const second = b.bus.send(channel, "second").then(() => (secondCommitted = true));
    await waitFor(async () => (await waitingOnLock(url)) >= 1, "the second transaction to wait for the id counter");
    expect(secondCommitted).toBe(false);
    // What every node reads as committed has not moved past the held id.
    expect(await reader.store.lastCommittedId()).toBe(firstId! - 1);

    release();
    await first.committed;
    await second;
    const received = await poll;
    const more = received.length < 2 ? await reader.bus.poll([channel], received.at(-1)!.id) : [];
    const all = [...received, ...more];
    expect(all.map((n) => n.id)).toEqual([firstId, firstId! + 1]);
    expect(all.map((n) => n.message)).toEqual(['"first"', '"second"']);
  });

  test("a rolled-back transaction leaves no hole: the next commit takes the same id", async () => {
    const url = await tempDb();
    const { store } = await node(url);
    const channel = '["shop1","pos.multi_session","1"]';
    const before = await store.lastCommittedId();
    await expect(
      store.transaction(async (tx) => {
        await tx.insertNotifications([{ channel, message: "1" }], Date.now());
        throw new Error("changed my mind");
      }),
    ).rejects.toThrow(/^changed my mind$/);
    const sent = await store.transaction((tx) => Promise.resolve(tx.insertNotifications([{ channel, message: "2" }], Date.now())));
    expect(sent.map((n) => n.id)).toEqual([before + 1]);
  });

  test("a node hears another's commit through NOTIFY and its held poll wakes with rows read from the table", async () => {
    const url = await tempDb();
    const [writer, reader] = [await node(url), await node(url)];
    const channel = '["shop1","pos.longpolling","7"]';
    const poll = reader.bus.poll([channel], await reader.store.lastCommittedId());
    await waitFor(() => reader.bus.heldPolls === 1, "the poll to be held");
    await writer.bus.send(channel, { hello: 1 });
    expect((await poll).map((n) => JSON.parse(n.message))).toEqual([{ hello: 1 }]);
  });
});
