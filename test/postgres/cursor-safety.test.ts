import { afterEach, describe, expect, test } from "vitest";
import { Bus } from "../../src/bus/bus.ts";
import { PostgresStore } from "../../src/db/postgres/store.ts";
import { tempDb, withAdmin } from "../helpers/test-store.ts";
import { waitFor } from "../helpers/wait.ts";

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const closable of opened.splice(0).reverse()) await closable.close();
});

async function node(url: string, idFloor?: number) {
  const store = await PostgresStore.open({ url, poolSize: 4, statementTimeoutMs: 10_000, ...(idFloor === undefined ? {} : { idFloor }) });
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

describe("cursors are safe under concurrent commits, per database (PostgreSQL)", () => {
  test("the transaction that took an id of a database first cannot commit last: a later one of that database waits for it, and a poller on a third node sees both in id order", async () => {
    const url = await tempDb();
    const [a, b, reader] = [await node(url), await node(url), await node(url)];
    const channel = '["shop1","pos.multi_session","1"]';
    const poll = reader.bus.poll([channel], await reader.store.lastCommittedId("shop1"));

    let release!: () => void;
    const first = heldTransaction(a.store, channel, new Promise<void>((resolve) => (release = resolve)));
    const [firstId] = await first.tookIds;

    // The second tries to take an id and commit while the first still holds its own.
    let secondCommitted = false;
    const second = b.bus.send(channel, "second").then(() => (secondCommitted = true));
    await waitFor(async () => (await waitingOnLock(url)) >= 1, "the second transaction to wait for the id counter");
    expect(secondCommitted).toBe(false);
    // What every node reads as committed has not moved past the held id.
    expect(await reader.store.lastCommittedId("shop1")).toBe(firstId! - 1);

    release();
    await first.committed;
    await second;
    const received = await poll;
    const more = received.length < 2 ? await reader.bus.poll([channel], received.at(-1)!.id) : [];
    const all = [...received, ...more];
    expect(all.map((n) => n.id)).toEqual([firstId, firstId! + 1]);
    expect(all.map((n) => n.message)).toEqual(['"first"', '"second"']);
  });

  test("a rolled-back transaction leaves no hole in its database: the next commit there takes the same id", async () => {
    const url = await tempDb();
    const { store } = await node(url);
    const channel = '["shop1","pos.multi_session","1"]';
    await store.transaction((tx) => Promise.resolve(tx.insertNotifications([{ channel, message: "0" }], Date.now())));
    const before = await store.lastCommittedId("shop1");
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
    const poll = reader.bus.poll([channel], await reader.store.lastCommittedId("shop1"));
    await waitFor(() => reader.bus.heldPolls === 1, "the poll to be held");
    await writer.bus.send(channel, { hello: 1 });
    expect((await poll).map((n) => JSON.parse(n.message))).toEqual([{ hello: 1 }]);
  });

  test("two shops commit concurrently: while one holds its id counter until commit, another shop's commit lands and wakes its poller on another node", async () => {
    const url = await tempDb();
    const [a, b, reader] = [await node(url), await node(url), await node(url)];
    const shop1 = '["shop1","pos.multi_session","1"]';
    const shop2 = '["shop2","pos.multi_session","1"]';
    await b.bus.send(shop2, "before");
    const poll = reader.bus.poll([shop2], await reader.store.lastCommittedId("shop2"));

    let release!: () => void;
    const held = heldTransaction(a.store, shop1, new Promise<void>((resolve) => (release = resolve)));
    await held.tookIds;
    let heldCommitted = false;
    void held.committed.then(() => (heldCommitted = true));

    // Waiting on shop1's counter would keep this from settling until release(): the test would time out.
    await b.bus.send(shop2, "while shop1 holds its counter");
    expect((await poll).map((n) => n.message)).toEqual(['"while shop1 holds its counter"']);
    expect(heldCommitted).toBe(false);
    expect(await waitingOnLock(url)).toBe(0);

    release();
    await held.committed;
  });

  test("ids of a database keep moving forward from the highest node's id floor, and each database counts its own", async () => {
    const url = await tempDb();
    const [older, newer] = [await node(url, 1_000), await node(url, 5_000)];
    const send = (store: PostgresStore, channel: string) =>
      store.transaction((tx) => Promise.resolve(tx.insertNotifications([{ channel, message: "1" }], Date.now())));
    const shop1 = '["shop1","pos.multi_session","1"]';
    const shop2 = '["shop2","pos.multi_session","1"]';
    expect((await send(older.store, shop1)).map((n) => n.id)).toEqual([1_001]);
    expect((await send(newer.store, shop1)).map((n) => n.id)).toEqual([5_001]);
    expect((await send(older.store, shop1)).map((n) => n.id)).toEqual([5_002]);
    expect((await send(older.store, shop2)).map((n) => n.id)).toEqual([1_001]);
    expect(await older.store.lastCommittedIds()).toEqual(
      expect.arrayContaining([
        { scope: "shop1", lastId: 5_002 },
        { scope: "shop2", lastId: 1_001 },
      ]),
    );
  });

  test("a poll naming the channels of two databases is refused with an error naming channels; one database's channels together are fine", async () => {
    const url = await tempDb();
    const { bus } = await node(url);
    const shop1 = '["shop1","pos.multi_session","1"]';
    expect(() => bus.poll([shop1, '["shop2","pos.multi_session","1"]'], 0, { peek: true })).toThrow(
      /^channels: a poll names the channels of one database only/,
    );
    expect(await bus.poll([shop1, '["shop1","pos.longpolling","1"]'], 0, { peek: true })).toEqual([]);
  });
});
