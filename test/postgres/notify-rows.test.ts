import { afterEach, describe, expect, test } from "vitest";
import { Bus } from "../../src/bus/bus.ts";
import { PostgresStore } from "../../src/db/postgres/store.ts";
import { tempDb } from "../helpers/test-store.ts";
import { waitFor } from "../helpers/wait.ts";

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const closable of opened.splice(0).reverse()) await closable.close();
});

/** A node whose reads of other nodes' commits from the table are counted. */
async function node(url: string) {
  const store = await PostgresStore.open({ url, poolSize: 4, statementTimeoutMs: 10_000 });
  opened.push(store);
  const reads = { count: 0 };
  const between = store.notificationsBetween.bind(store);
  store.notificationsBetween = (afterId, upToId, scope) => {
    reads.count++;
    return between(afterId, upToId, scope);
  };
  const bus = await Bus.open(store, { pollTimeoutMs: 10_000 });
  opened.push(bus);
  await waitFor(() => store.listening(), "LISTEN to be up");
  return { store, bus, reads };
}

const channel = '["shop1","pos.multi_session","1"]';

describe("another node's commit reaches a node with its wake-up (PostgreSQL)", () => {
  test("rows that fit in the NOTIFY payload are delivered without a read of the table; a larger commit is read back, and both arrive whole, in order", async () => {
    const url = await tempDb();
    const [writer, reader] = [await node(url), await node(url)];
    const send = (message: string) => writer.bus.transaction(async (_tx, outbox) => outbox.sendJson(channel, message));

    await send('"warm-up"');
    await waitFor(async () => (await reader.store.lastCommittedId("shop1")) > 0, "the first commit");
    const start = await writer.store.lastCommittedId("shop1");
    const readsBefore = reader.reads.count;

    const small = reader.bus.poll([channel], start);
    await send('"small"');
    expect((await small).map((n) => n.message)).toEqual(['"small"']);
    expect(reader.reads.count).toBe(readsBefore);

    const large = JSON.stringify("x".repeat(9000));
    const big = reader.bus.poll([channel], start + 1);
    await send(large);
    expect((await big).map((n) => [n.id, n.message])).toEqual([[start + 2, large]]);
    expect(reader.reads.count).toBeGreaterThan(readsBefore);
  });
});
