import { afterEach, describe, expect, test } from "vitest";
import { line, settle, SimulatedPos } from "../helpers/simulated-pos.ts";
import { call, channel, postRaw, rpc } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(overrides: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const started = await startServer(overrides);
  servers.push(started);
  return started;
}

async function scrape(url: string, key?: string): Promise<string> {
  const response = await fetch(`${url}/metrics`, key ? { headers: { Authorization: `Bearer ${key}` } } : {});
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  return response.text();
}

/** The value of one sample line, e.g. value(text, 'pos_sync_requests_total{route="/x",status="200"}'). */
function value(text: string, series: string): number | undefined {
  const found = text.split("\n").find((line) => line.startsWith(`${series} `));
  return found === undefined ? undefined : Number(found.slice(series.length + 1));
}

describe("/metrics", () => {
  test("counts what the sync did: notifications written and delivered, revision errors, sync_alls, nonce retries, polls by result", async () => {
    const { url } = await server({ pollTimeout: 0.2 });
    const a = new SimulatedPos(url, { posId: 1 });
    const b = new SimulatedPos(url, { posId: 2 });
    await a.syncAll();
    await b.syncAll();
    const waiting = b.receive(1); // a held poll, woken by A's update
    await a.send("update_order", { uid: "o1", revision_ID: 1, nonce: "n1", sequence_number: 1, run_ID: 1, lines: [[0, 0, line("l1", 1)]] });
    await waiting;
    await a.send("update_order", { uid: "o1", revision_ID: 1, nonce: "n2", run_ID: 1, lines: [] }); // revision 2
    expect(await a.send("update_order", { uid: "o1", revision_ID: 1, nonce: "n2", run_ID: 1, lines: [] })).toEqual({ action: "" }); // its retry
    expect(await b.send("update_order", { uid: "o1", revision_ID: 1, nonce: "n3", run_ID: 1, lines: [] })).toMatchObject({ action: "revision_error" });
    await call(`${url}/longpolling/poll`, { channels: [channel("shop1", "pos.longpolling", 5)], last: 999, options: {} }); // times out

    const text = await scrape(url);
    expect(value(text, "pos_sync_notifications_written_total")).toBe(4); // A's two updates, to both terminals
    expect(value(text, "pos_sync_notifications_delivered_total")).toBeGreaterThanOrEqual(1);
    expect(value(text, "pos_sync_sync_all_total")).toBe(2);
    expect(value(text, "pos_sync_nonce_retries_total")).toBe(1);
    expect(value(text, "pos_sync_revision_errors_total")).toBe(1);
    expect(value(text, 'pos_sync_polls_answered_total{result="notifications"}')).toBeGreaterThanOrEqual(1);
    expect(value(text, 'pos_sync_polls_answered_total{result="timeout"}')).toBe(1);
    expect(value(text, "pos_sync_delivery_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(value(text, "pos_sync_commit_seconds_count")).toBe(6);
    expect(value(text, 'pos_sync_requests_total{route="/pos_multi_session_sync/update",status="200"}')).toBe(6);
    expect(value(text, 'pos_sync_requests_total{route="/longpolling/poll",status="200"}')).toBeGreaterThanOrEqual(2);
    expect(value(text, "pos_sync_held_polls")).toBe(0);
    expect(text).toContain("pos_sync_process_cpu_seconds_total");
    expect(text).toContain("pos_sync_nodejs_eventloop_lag_seconds");
    const names = text
      .split("\n")
      .filter((line) => line && !line.startsWith("#"))
      .map((line) => line.split(/[{ ]/)[0]);
    expect(names.filter((name) => !name!.startsWith("pos_sync_"))).toEqual([]);
  });

  test("held polls are read at scrape time; a client that goes away is counted as such", async () => {
    const { url } = await server({ pollTimeout: 30 });
    const controller = new AbortController();
    const held = rpc(`${url}/longpolling/poll`, { channels: [channel("shop1", "pos.longpolling", 1)], last: 0 }, { signal: controller.signal }).catch(
      () => "aborted",
    );
    let text = "";
    for (let i = 0; i < 200 && value(text, "pos_sync_held_polls") !== 1; i++) text = await scrape(url);
    expect(value(text, "pos_sync_held_polls")).toBe(1);
    controller.abort();
    expect(await held).toBe("aborted");
    for (let i = 0; i < 200 && value(text, 'pos_sync_polls_answered_total{result="client_gone"}') !== 1; i++) text = await scrape(url);
    expect(value(text, 'pos_sync_polls_answered_total{result="client_gone"}')).toBe(1);
    expect(value(text, "pos_sync_held_polls")).toBe(0);
  });

  test("errors by type and requests by route pattern: keys in paths never become labels; test GC counts as retention", async () => {
    const key = "key-of-shop-one";
    const admin = "the-admin-key-0123";
    const { url } = await server({ keys: { shop1: key }, adminKey: admin, testFeatures: true, backendKey: "the-backend-key" });
    await postRaw(`${url}/pos_multi_session_sync/update`, "{not json");
    await rpc(`${url}/k/${key}/pos_multi_session_sync/update`, { dbname: "shop1" }); // missing fields
    await rpc(`${url}/pos_longpolling/update`, { message: "PING", pos_id: 1, db_name: "shop1" }); // no key
    await call(`${url}/k/${key}/pos_longpolling/update`, { message: "PING", pos_id: 1, db_name: "shop1" });
    await call(`${url}/k/${key}/longpolling/poll`, { channels: [channel("shop1", "pos.longpolling", 1)], last: 0, options: { peek: true } });
    await call(`${url}/pos_multi_session/test/gc`, {}, { Authorization: "Bearer the-backend-key" });
    await fetch(`${url}/k/${key}/nowhere`, { method: "POST" });

    const text = await scrape(url, admin);
    expect(value(text, 'pos_sync_app_errors_total{type="parse_error"}')).toBe(1);
    expect(value(text, 'pos_sync_app_errors_total{type="validation_error"}')).toBe(1);
    expect(value(text, 'pos_sync_app_errors_total{type="access_denied"}')).toBe(1);
    expect(value(text, 'pos_sync_app_errors_total{type="no_route"}')).toBe(1);
    expect(value(text, 'pos_sync_requests_total{route="/pos_multi_session_sync/update",status="400"}')).toBe(1);
    expect(value(text, 'pos_sync_requests_total{route="/pos_multi_session_sync/update",status="200"}')).toBe(1);
    expect(value(text, 'pos_sync_requests_total{route="/pos_longpolling/update",status="200"}')).toBe(2);
    expect(value(text, 'pos_sync_requests_total{route="/longpolling/poll",status="200"}')).toBe(1);
    expect(value(text, 'pos_sync_requests_total{route="unmatched",status="404"}')).toBe(1);
    expect(value(text, "pos_sync_retention_deleted_total")).toBe(1);
    expect(text).not.toContain(key);
  });

  test("each server has its own registry", async () => {
    const first = await server();
    const second = await server();
    await call(`${first.url}/pos_longpolling/update`, { message: "PING", pos_id: 1, db_name: "shop1" });
    expect(value(await scrape(first.url), "pos_sync_notifications_written_total")).toBe(1);
    expect(value(await scrape(second.url), "pos_sync_notifications_written_total")).toBe(0);
  });

  test("merges by outcome (POS_SYNC_MERGE) and QA fault injections by effect", async () => {
    const { url } = await server({ merge: true, testFeatures: true });
    const [a, b] = [new SimulatedPos(url, { posId: 1 }), new SimulatedPos(url, { posId: 2 })];
    for (const terminal of [a, b]) await terminal.start();
    await a.newOrder("o1");
    await a.addProduct("o1", 1);
    await a.addProduct("o1", 2);
    await settle([a, b]);
    // B's view is a revision behind once A's edit lands: B's edit of the other line is merged.
    await a.setQuantity("o1", 1, 5);
    await b.setQuantity("o1", 2, 7);
    expect(b.replies.at(-1)).toMatchObject({ action: "update_revision_ID" });
    await settle([a, b]);
    const rule = await fetch(`${url}/pos_sync/faults`, {
      method: "POST",
      body: JSON.stringify({ match: { dbname: "shop1", pos_id: 1 }, effect: { type: "delay_reply", ms: 1 }, count: 1 }),
    });
    expect(rule.status).toBe(201);
    await a.addProduct("o1", 3);

    const text = await scrape(url);
    expect(value(text, 'pos_sync_merges_total{outcome="merged"}')).toBe(1);
    expect(value(text, 'pos_sync_merges_total{outcome="conflict"}')).toBe(0);
    expect(value(text, 'pos_sync_fault_injections_total{effect="delay_reply"}')).toBe(1);
  });
});
