import { pino } from "pino";
import { afterEach, describe, expect, test } from "vitest";
import { parseConfig } from "../../src/config.ts";
import { operatorAccess } from "../../src/http/operator-access.ts";
import { line, SimulatedPos } from "../helpers/simulated-pos.ts";
import { call, channel } from "../helpers/rpc.ts";
import { startServer, tempDbPath, type TestServer } from "../helpers/server.ts";
import { waitFor } from "../helpers/wait.ts";
import { getJson } from "./helpers.ts";

const servers: TestServer[] = [];
const stoppers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stoppers.splice(0).map((stop) => stop()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function server(overrides: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const started = await startServer(overrides);
  servers.push(started);
  return started;
}

/** A terminal registered with sync_all and polling its channel in the background. */
async function pollingTerminal(url: string, posId: number, dbname = "shop1"): Promise<SimulatedPos> {
  const terminal = new SimulatedPos(url, { posId, dbname });
  await terminal.syncAll();
  stoppers.push(terminal.listen());
  return terminal;
}

const terminalIn = (view: any, posId: string) => view.terminals.find((terminal: any) => terminal.posId === posId);

describe("the console's JSON routes", () => {
  test("two terminals of a session: both online, with user, message counter and address; the overview counts them", async () => {
    const { url } = await server();
    await pollingTerminal(url, 1);
    await pollingTerminal(url, 2);
    await waitFor(
      async () => (await getJson(url, "/console/api/databases/shop1/sessions/1")).body.terminals.every((t: any) => t.state === "online"),
      "both online",
    );

    const session = (await getJson(url, "/console/api/databases/shop1/sessions/1")).body;
    expect(session).toMatchObject({ dbname: "shop1", multiSessionId: 1, runId: 1, orderId: 0 });
    expect(terminalIn(session, "1")).toMatchObject({ multiSessionId: 1, userId: 1, state: "online", clientAddress: expect.stringMatching(/127\.0\.0\.1/) });
    expect(terminalIn(session, "1").messageId).toBeGreaterThanOrEqual(2);

    const overview = (await getJson(url, "/console/api/overview")).body;
    expect(overview).toMatchObject({
      version: expect.any(String),
      viewer: { role: "admin" },
      store: { kind: "sqlite", healthy: true },
      databases: 1,
      terminals: { online: 2, known: 2, behind: 0 },
    });
    expect(overview.heldPolls).toBeGreaterThanOrEqual(0);
    expect((await getJson(url, "/console/api/databases")).body).toEqual({
      total: 1,
      withProblems: 0,
      q: "",
      sort: "problems",
      order: "desc",
      offset: 0,
      limit: 50,
      items: [
        {
          dbname: "shop1",
          multiSessions: 1,
          terminals: 2,
          online: 2,
          problems: { offline: 0, behind: 0, refusedLastHour: 0, count: 0 },
          lastActivityAt: expect.any(Number),
        },
      ],
    });
    const database = (await getJson(url, "/console/api/databases/shop1")).body;
    expect(database).toMatchObject({ dbname: "shop1", total: 1, summary: { dbname: "shop1", terminals: 2, online: 2 } });
    expect(database.items.map((ms: any) => [ms.multiSessionId, ms.terminals.length, ms.online])).toEqual([[1, 2, 2]]);
  });

  test("an order shows its revision, lines and the terminal that changed it; the timeline has the update, the conflict and the nonce retry", async () => {
    const { url } = await server();
    const a = new SimulatedPos(url, { posId: 1 });
    await a.syncAll();
    await a.send("update_order", { uid: "o1", revision_ID: 1, nonce: "n1", sequence_number: 1, run_ID: 1, pos_id: 1, lines: [[0, 0, line("l1", 1)]] });
    await a.send("update_order", {
      uid: "o1",
      revision_ID: 1,
      nonce: "n2",
      sequence_number: 1,
      run_ID: 1,
      pos_id: 1,
      lines: [
        [0, 0, line("l1", 2)],
        [0, 0, line("l2", 1)],
      ],
    });
    expect(await a.send("update_order", { uid: "o1", revision_ID: 1, nonce: "n2", run_ID: 1, pos_id: 1, lines: [] })).toEqual({ action: "" });
    expect(await a.send("update_order", { uid: "o1", revision_ID: 1, nonce: "stale", run_ID: 1, pos_id: 2, lines: [] })).toMatchObject({
      action: "revision_error",
    });

    const session = (await getJson(url, "/console/api/databases/shop1/sessions/1")).body;
    expect(session.orders).toEqual([{ uid: "o1", revision: 2, runId: 1, sequenceNumber: 1, lines: 2, lastChangeAt: expect.any(Number), lastChangeBy: "1" }]);
    expect(session.timeline.map((e: any) => [e.action, e.outcome, e.uid, e.revision, e.posId])).toEqual([
      ["sync_all", "sync_all", null, null, 1],
      ["update_order", "updated", "o1", 1, 1],
      ["update_order", "updated", "o1", 2, 1],
      ["update_order", "retry", "o1", 1, 1],
      ["update_order", "conflict", "o1", 1, 2],
    ]);
    const after = session.timeline[2].seq;
    const { body } = await getJson(url, `/console/api/databases/shop1/sessions/1/timeline?after=${after}`);
    expect(body.events.map((e: any) => e.outcome)).toEqual(["retry", "conflict"]);

    await a.send("remove_order", { uid: "o1", revision_ID: 2, finalized: true, pos_id: 1 });
    const removed = (await getJson(url, `/console/api/databases/shop1/sessions/1?after=${session.timeline.at(-1).seq}`)).body;
    expect(removed.orders).toEqual([]);
    expect(removed.timeline.map((e: any) => [e.outcome, e.uid])).toEqual([["removed", "o1"]]);
  });

  test("a terminal whose PING was not polled is waiting; polling takes its PONG and it is online; once it stops it turns offline after a poll timeout", async () => {
    const { url } = await server({ pollTimeout: 0.5 });
    const a = new SimulatedPos(url, { posId: 1 });
    await a.syncAll();
    const stateOf = async () => terminalIn((await getJson(url, "/console/api/databases/shop1/sessions/1")).body, "1").state;

    await a.poller.pollOnce({ peek: true });
    await a.poller.ping();
    expect(await stateOf()).toBe("waiting");
    // Like the POS, it polls pos.multi_session and pos.longpolling together: its first poll takes the PONG.
    const stop = a.listen();
    await waitFor(async () => a.poller.pongs === 1 && (await stateOf()) === "online", "online with its PONG");

    await stop();
    await waitFor(async () => (await stateOf()) === "offline", "offline", 10_000);
    const terminal = terminalIn((await getJson(url, "/console/api/databases/shop1/sessions/1")).body, "1");
    expect(terminal).toMatchObject({ heldPolls: 0, lastPollAt: expect.any(Number), lastPingAt: expect.any(Number), lastPongAt: expect.any(Number) });
  });

  test("a terminal polling without sync_all is listed as unregistered", async () => {
    const { url } = await server();
    await call(`${url}/longpolling/poll`, { channels: [channel("shop1", "pos.longpolling", 9)], last: 0, options: { peek: true } });
    const database = (await getJson(url, "/console/api/databases/shop1")).body;
    expect(database.items).toEqual([]);
    expect(database.unregistered).toMatchObject([{ posId: "9", multiSessionId: null, messageId: null }]);
  });

  test("bad input gets a 400 naming the field, an unknown session a 404", async () => {
    const { url } = await server();
    expect(await getJson(url, "/console/api/databases/bad%20name")).toEqual({ status: 400, body: { error: expect.stringContaining("dbname") } });
    expect(await getJson(url, "/console/api/databases/shop1/sessions/x")).toEqual({ status: 400, body: { error: expect.stringContaining("multiSessionId") } });
    expect(await getJson(url, "/console/api/databases/shop1/sessions/1?after=-1")).toEqual({ status: 400, body: { error: expect.stringContaining("after") } });
    expect(await getJson(url, "/console/api/databases/shop1/sessions/1")).toEqual({
      status: 404,
      body: { error: expect.stringContaining("No multi-session 1") },
    });
    expect((await getJson(url, "/console/api/nothing")).status).toBe(404);
  });
});

describe("who may look", () => {
  const KEYS = { shop1: "key-of-shop-one", shop2: "key-of-shop-two" };
  const ADMIN = "the-admin-key-0123";

  test("the admin key opens everything; a shop's key only its own database; no key nothing", async () => {
    const { url } = await server({ keys: KEYS, adminKey: ADMIN });
    await pollingTerminal(`${url}/k/${KEYS.shop1}`, 1, "shop1");
    await pollingTerminal(`${url}/k/${KEYS.shop2}`, 1, "shop2");

    expect((await getJson(url, "/console/api/overview")).status).toBe(401);
    expect((await getJson(url, "/console/api/overview", "not-a-real-key")).status).toBe(401);
    expect((await getJson(url, "/console/api/databases?sort=name", ADMIN)).body.items.map((db: any) => db.dbname)).toEqual(["shop1", "shop2"]);
    expect((await getJson(url, "/console/api/databases/shop2/sessions/1", ADMIN)).status).toBe(200);

    expect((await getJson(url, "/console/api/whoami", KEYS.shop1)).body).toEqual({ role: "shop", dbname: "shop1" });
    expect((await getJson(url, "/console/api/databases", KEYS.shop1)).body.items.map((db: any) => db.dbname)).toEqual(["shop1"]);
    expect((await getJson(url, "/console/api/overview", KEYS.shop1)).body).toMatchObject({ databases: 1, terminals: { known: 1 } });
    expect((await getJson(url, "/console/api/databases/shop1/sessions/1", KEYS.shop1)).status).toBe(200);
    for (const path of ["/console/api/databases/shop2", "/console/api/databases/shop2/sessions/1", "/console/api/databases/shop2/sessions/1/timeline"]) {
      const { status, body } = await getJson(url, path, KEYS.shop1);
      expect(status, path).toBe(403);
      expect(JSON.stringify(body)).not.toContain(KEYS.shop1);
    }
    const metrics = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${KEYS.shop1}` } });
    expect(metrics.status).toBe(403);
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    expect((await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
  });

  test("keyed mode without an admin key: loopback needs a database key too (a proxy on the same host is loopback)", async () => {
    const { url } = await server({ keys: KEYS });
    expect((await getJson(url, "/console/api/overview")).status).toBe(401);
    expect((await getJson(url, "/console/api/whoami", KEYS.shop2)).body).toEqual({ role: "shop", dbname: "shop2" });
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
  });

  test("open mode without an admin key: loopback only, no key needed", () => {
    const as = (check: ReturnType<typeof operatorAccess>, authorization: string | undefined, clientAddress: string) => {
      try {
        return { viewer: check("viewer", { authorization, clientAddress, origin: undefined, host: undefined }) };
      } catch (error) {
        return { status: (error as { httpStatus: number }).httpStatus, error: (error as Error).message };
      }
    };
    const open = operatorAccess({ databases: {} });
    expect(as(open, undefined, "127.0.0.1")).toEqual({ viewer: { role: "admin" } });
    expect(as(open, undefined, "::ffff:127.0.0.1")).toEqual({ viewer: { role: "admin" } });
    expect(as(open, undefined, "::1")).toEqual({ viewer: { role: "admin" } });
    expect(as(open, undefined, "192.168.1.20")).toMatchObject({ status: 403, error: expect.stringContaining("POS_SYNC_ADMIN_KEY") });
    expect(as(open, "Bearer anything-at-all", "10.0.0.2")).toMatchObject({ status: 403 });

    const withAdmin = operatorAccess({ databases: { shop1: KEYS.shop1 }, adminKey: ADMIN });
    expect(as(withAdmin, `Bearer ${ADMIN}`, "192.168.1.20")).toEqual({ viewer: { role: "admin" } });
    expect(as(withAdmin, `Bearer ${KEYS.shop1}`, "192.168.1.20")).toEqual({ viewer: { role: "shop", dbname: "shop1" } });
    expect(as(withAdmin, undefined, "127.0.0.1")).toMatchObject({ status: 401 });
  });

  test("a bad admin key stops the start with a message naming the setting", () => {
    expect(() => parseConfig({ adminKey: "short" })).toThrow(/POS_SYNC_ADMIN_KEY \(--admin-key\)/);
  });

  test("keys never reach the log, even at trace level", async () => {
    const lines: string[] = [];
    const log = pino({ level: "trace" }, { write: (line: string) => void lines.push(line) });
    const running = await startServer({ keys: KEYS, adminKey: ADMIN, logLevel: "trace" }, { dbPath: tempDbPath(), log });
    try {
      for (const key of [ADMIN, KEYS.shop1, KEYS.shop2, "a-wrong-key-123"]) {
        for (const path of ["/console/api/overview", "/console/api/databases/shop2", "/metrics", "/console/api/nowhere"])
          await getJson(running.url, path, key).catch(() => undefined);
      }
      await call(`${running.url}/k/${KEYS.shop1}/pos_longpolling/update`, { message: "PING", pos_id: 1, db_name: "shop1" });
    } finally {
      await running.close();
    }
    expect(lines.length).toBeGreaterThan(0);
    const logged = lines.join("");
    for (const key of [ADMIN, KEYS.shop1, KEYS.shop2, "a-wrong-key-123"]) expect(logged).not.toContain(key);
  });

  test("the page and its script are served; the page refuses nobody on loopback", async () => {
    const { url } = await server({ keys: KEYS, adminKey: ADMIN });
    const page = await fetch(`${url}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/console/app.js">');
    const script = await fetch(`${url}/console/app.js`);
    expect(script.headers.get("content-type")).toContain("javascript");
    expect(await script.text()).toContain("/console/api");
  });
});
