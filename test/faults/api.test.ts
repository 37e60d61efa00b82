import { afterEach, describe, expect, test } from "vitest";
import { isLoopback } from "../../src/http/operator-access.ts";
import { faultsApi } from "../helpers/faults.ts";
import { SimulatedPos } from "../helpers/simulated-pos.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { ManualClock } from "../helpers/wait.ts";

let server: TestServer;
afterEach(async () => {
  await server?.close();
});

const SLOW_DEMO = { match: { dbname: "shop1", pos_id: 2 }, effect: { type: "delay_reply", ms: 0 } };

async function withTestFeatures(overrides = {}, options = {}) {
  server = await startServer({ testFeatures: true, ...overrides }, options);
  return faultsApi(server.url);
}

describe("the fault rules API", () => {
  test("without test features every fault route answers 404 and says how to turn them on", async () => {
    server = await startServer();
    const api = faultsApi(server.url);
    for (const reply of [await api.list(), await api.add(SLOW_DEMO), await api.clear(), await api.remove("x")]) {
      expect(reply.status).toBe(404);
      expect(reply.body.error).toContain("POS_SYNC_TEST_FEATURES=1");
    }
  });

  test("a bad rule gets HTTP 400 naming the field, and no rule is added", async () => {
    const api = await withTestFeatures();
    const cases: Array<[unknown, string]> = [
      [{ effect: { type: "hang" } }, "match"],
      [{ match: { pos_id: 2 }, effect: { type: "hang" } }, "match.dbname"],
      [{ match: { dbname: "shop1" } }, "effect"],
      [{ match: { dbname: "shop1" }, effect: { type: "slow" } }, "effect.type"],
      [{ match: { dbname: "shop1" }, effect: { type: "delay_reply" } }, "effect.ms"],
      [{ match: { dbname: "shop1" }, effect: { type: "delay_reply", ms: -1 } }, "effect.ms"],
      [{ match: { dbname: "shop1", pos_id: "two" }, effect: { type: "hang" } }, "match.pos_id"],
      [{ match: { dbname: "shop1", route: "/nowhere" }, effect: { type: "hang" } }, "match.route"],
      [{ match: { dbname: "shop1", posid: 2 }, effect: { type: "hang" } }, "match.posid"],
      [{ match: { dbname: "shop1" }, effect: { type: "hang" }, probability: 1.5 }, "probability"],
      [{ match: { dbname: "shop1" }, effect: { type: "hang" }, count: 0 }, "count"],
      [{ match: { dbname: "shop1" }, effect: { type: "hang" }, expires_s: -5 }, "expires_s"],
      [{ match: { dbname: "shop1", route: "/pos_multi_session_sync/update" }, effect: { type: "delay_delivery", ms: 10 } }, "match.route"],
      ["{not json", "rule"],
    ];
    for (const [rule, field] of cases) {
      const reply = await api.add(rule);
      expect(reply.status, JSON.stringify(rule)).toBe(400);
      expect(reply.body.field, JSON.stringify(rule)).toBe(field);
      expect(reply.body.error).toMatch(new RegExp(`^${field.replace(".", "\\.")}: `));
    }
    expect((await api.list()).body.rules).toEqual([]);
  });

  test("rules are listed with how often each fired, and the totals per effect", async () => {
    const api = await withTestFeatures();
    const id = await api.addOk(SLOW_DEMO);
    const other = await api.addOk({ match: { dbname: "shop2" }, effect: { type: "hang" } });
    const demo = new SimulatedPos(server.url, { posId: 2 });
    await demo.syncAll();
    await demo.editOrder("o1", []);
    const { status, body } = await api.list();
    expect(status).toBe(200);
    expect(body.rules).toMatchObject([
      {
        id,
        match: { dbname: "shop1", pos_id: 2, route: null, action: null },
        effect: { type: "delay_reply", ms: 0, jitter_ms: 0 },
        probability: 1,
        count: null,
        fired: 2,
        active: true,
      },
      { id: other, fired: 0, active: true },
    ]);
    expect(body.fired_total).toMatchObject({ delay_reply: 2, hang: 0 });
    expect(server.faults!.firedTotal().delay_reply).toBe(2);
  });

  test("one rule or all of them can be deleted", async () => {
    const api = await withTestFeatures();
    const first = await api.addOk(SLOW_DEMO);
    const second = await api.addOk({ ...SLOW_DEMO, match: { dbname: "shop1", pos_id: 3 } });
    await api.addOk({ ...SLOW_DEMO, match: { dbname: "shop1", pos_id: 4 } });
    expect(await api.remove(first)).toEqual({ status: 200, body: { deleted: 1 } });
    expect((await api.remove(first)).status).toBe(404);
    expect((await api.list()).body.rules.map((rule: { id: string }) => rule.id)).toContain(second);
    expect(await api.clear()).toEqual({ status: 200, body: { deleted: 2 } });
    expect((await api.list()).body.rules).toEqual([]);
  });

  test("a rule with a count fires that many times, then lets requests through", async () => {
    const api = await withTestFeatures();
    const demo = new SimulatedPos(server.url, { posId: 2 });
    await demo.syncAll();
    await api.addOk({ match: { dbname: "shop1", pos_id: 2 }, effect: { type: "offline" }, count: 2 });
    await expect(demo.editOrder("o1", [])).rejects.toThrow();
    await expect(demo.editOrder("o1", [])).rejects.toThrow();
    expect(await demo.editOrder("o1", [])).toMatchObject({ action: "update_revision_ID" });
    expect((await api.list()).body.rules).toMatchObject([{ count: 2, fired: 2, active: false }]);
  });

  test("a rule stops matching once it expires", async () => {
    const clock = new ManualClock();
    const api = await withTestFeatures({}, { clock });
    const demo = new SimulatedPos(server.url, { posId: 2 });
    await demo.syncAll();
    await api.addOk({ match: { dbname: "shop1", pos_id: 2 }, effect: { type: "offline" }, expires_s: 30 });
    await expect(demo.editOrder("o1", [])).rejects.toThrow();
    clock.advance(30_000);
    expect(await demo.editOrder("o1", [])).toMatchObject({ action: "update_revision_ID" });
    expect((await api.list()).body.rules).toMatchObject([{ fired: 1, active: false, expires_at: new Date(clock.now()).toISOString() }]);
  });

  test("an offline window of ms ends by itself", async () => {
    const clock = new ManualClock();
    const api = await withTestFeatures({}, { clock });
    const demo = new SimulatedPos(server.url, { posId: 2 });
    await demo.syncAll();
    await api.addOk({ match: { dbname: "shop1", pos_id: 2 }, effect: { type: "offline", ms: 5000 } });
    await expect(demo.editOrder("o1", [])).rejects.toThrow();
    clock.advance(5000);
    expect(await demo.editOrder("o1", [])).toMatchObject({ action: "update_revision_ID" });
  });

  test("probability 0 never fires; other terminals, databases, routes and actions are not matched", async () => {
    const api = await withTestFeatures();
    await api.addOk({ match: { dbname: "shop1", pos_id: 2 }, effect: { type: "offline" }, probability: 0 });
    await api.addOk({ match: { dbname: "shop1", pos_id: 3 }, effect: { type: "offline" } });
    await api.addOk({ match: { dbname: "shop2", pos_id: 2 }, effect: { type: "offline" } });
    await api.addOk({ match: { dbname: "shop1", pos_id: 2, route: "/longpolling/poll" }, effect: { type: "offline" } });
    await api.addOk({ match: { dbname: "shop1", pos_id: 2, action: "remove_order" }, effect: { type: "offline" } });
    const demo = new SimulatedPos(server.url, { posId: 2 });
    await demo.syncAll();
    for (let i = 0; i < 20; i++) await demo.editOrder("o1", []);
    expect((await api.list()).body.rules.map((rule: { fired: number }) => rule.fired)).toEqual([0, 0, 0, 0, 0]);
  });

  test("with an admin key, the API needs it as a bearer token", async () => {
    server = await startServer({ testFeatures: true, adminKey: "admin-key-for-tests" });
    const refused: Array<Record<string, string>> = [{}, { Authorization: "Bearer wrong-key-for-tests" }, { Authorization: "admin-key-for-tests" }];
    for (const headers of refused) {
      const api = faultsApi(server.url, headers);
      for (const reply of [await api.list(), await api.add(SLOW_DEMO), await api.clear()]) {
        expect(reply.status).toBe(401);
        expect(reply.body.error).toContain("POS_SYNC_ADMIN_KEY");
      }
    }
    const admin = faultsApi(server.url, { Authorization: "Bearer admin-key-for-tests" });
    await admin.addOk(SLOW_DEMO);
    expect((await admin.list()).body.rules).toHaveLength(1);
  });

  test("a shop's key opens no fault rule; without an admin key loopback needs no key, in keyed mode too", async () => {
    server = await startServer({ testFeatures: true, keys: { shop1: "key-of-shop-one" } });
    expect((await faultsApi(server.url).list()).status).toBe(200);
    const shop = await faultsApi(server.url, { Authorization: "Bearer key-of-shop-one" }).add(SLOW_DEMO);
    expect(shop.status).toBe(401);
    expect(shop.body.error).toContain("POS_SYNC_ADMIN_KEY");
    expect((await faultsApi(server.url).list()).body.rules).toEqual([]);
  });

  test("without an admin key, only loopback clients are let in", () => {
    expect(["127.0.0.1", "127.8.0.1", "::1", "::ffff:127.0.0.1"].map(isLoopback)).toEqual([true, true, true, true]);
    expect(["10.0.0.5", "192.168.1.10", "::ffff:10.0.0.5", "fe80::1", undefined].map(isLoopback)).toEqual([false, false, false, false, false]);
  });
});
