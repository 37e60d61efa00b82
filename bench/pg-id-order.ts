/**
 * npx tsx bench/pg-id-order.ts [--seconds S] [--connections N]: what handing out notification
 * ids in commit order costs on PostgreSQL. The same transaction (5 notifications, as one
 * broadcast to a 5-terminal session) run by N connections at once, with ids taken from the
 * counter row (its lock held to commit: ids commit in order, what the store does) and from a
 * sequence (no lock: ids can commit out of order, what the store must not do).
 */
import { parseArgs } from "node:util";
import pg from "pg";
import { createBenchDatabase, dropBenchDatabase } from "./pg.ts";

const { values } = parseArgs({ options: { seconds: { type: "string", default: "5" }, connections: { type: "string", default: "8" } } });
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const setup = `
  CREATE TABLE notifications (id bigint PRIMARY KEY, channel text NOT NULL, message text NOT NULL, created_at bigint NOT NULL);
  CREATE INDEX ON notifications (channel, id);
  CREATE TABLE notification_counter (singleton smallint PRIMARY KEY, last_id bigint NOT NULL);
  INSERT INTO notification_counter VALUES (1, 0);
  CREATE SEQUENCE notification_ids;`;

const insertWithCounter = `WITH counter AS (
    UPDATE notification_counter SET last_id = last_id + cardinality($1::text[]) WHERE singleton = 1
    RETURNING last_id - cardinality($1::text[]) AS first_id, pg_notify('bench', last_id::text) AS notified)
  INSERT INTO notifications (id, channel, message, created_at)
  SELECT counter.first_id + item.ord, item.channel, '{}', 0 FROM counter, unnest($1::text[]) WITH ORDINALITY AS item(channel, ord)`;
const insertWithSequence = `WITH ids AS (SELECT nextval('notification_ids') AS id, channel FROM unnest($1::text[]) AS channel)
  INSERT INTO notifications (id, channel, message, created_at) SELECT id, channel, '{}', 0 FROM ids`;

async function run(url: string, name: string, text: string) {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const client = new pg.Client({ connectionString: url });
      client.on("error", () => undefined);
      await client.connect();
      return client;
    }),
  );
  const channels = Array.from({ length: 5 }, (_, i) => `["bench","pos.multi_session","${i}"]`);
  await clients[0]!.query("TRUNCATE notifications");
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) {
        const start = performance.now();
        await client.query("BEGIN");
        await client.query({ name, text, values: [channels] });
        await client.query("COMMIT");
        latencies.push(performance.now() - start);
      }
    }),
  );
  await Promise.all(clients.map((client) => client.end()));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);
  return `${name}: ${(latencies.length / seconds).toFixed(0)} transactions/s, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
}

const url = await createBenchDatabase();
try {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(setup);
  await admin.end();
  console.log(`${connections} connections, ${seconds} s each, 5 notifications per transaction`);
  console.log(await run(url, "counter row (ids commit in order)", insertWithCounter));
  console.log(await run(url, "sequence (ids may commit out of order)", insertWithSequence));
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await dropBenchDatabase(url);
}
