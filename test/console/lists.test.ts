import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";
import { testStore } from "../helpers/test-store.ts";
import { getJson } from "./helpers.ts";
import { seedShops } from "./seed-shops.ts";

/**
 * The databases list and a database's multi-sessions, searched, sorted and paged over real HTTP,
 * problems first: terminals offline, edits refused in the last hour.
 */
const KEYS = { "shop-b": "key-of-shop-bbbbbb" };
const ADMIN = "the-admin-key-0123";

let server: TestServer;
let stopSeeding: () => void = () => undefined;

beforeAll(async () => {
  server = await startServer({ keys: KEYS, adminKey: ADMIN });
  stopSeeding = await seedShops(
    server,
    [
      { dbname: "shop-a", terminals: 2 },
      { dbname: "shop-b", terminals: 3, offline: [3] },
      { dbname: "shop-c", terminals: 2, refusedLastHour: 2, refusedEarlier: 5 },
      { dbname: "shop-d", terminals: 3, offline: [1, 2, 3] },
      { dbname: "shop-e", terminals: 6, sessions: 3, offline: [2, 6], refusedLastHour: 1 },
    ],
    { otherNode: testStore !== "sqlite" },
  );
}, 60_000);

afterAll(async () => {
  stopSeeding();
  await server?.close();
});

const list = async (query = "", key = ADMIN) => {
  const { status, body } = await getJson(server.url, `/console/api/databases${query}`, key);
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
};
const names = (page: any) => page.items.map((item: any) => item.dbname);

describe("the databases list", () => {
  test("puts problems first: offline terminals and edits refused in the last hour, most first, ties by name", async () => {
    const page = await list();
    expect(page).toMatchObject({ total: 5, withProblems: 4, sort: "problems", order: "desc", offset: 0, limit: 50 });
    expect(names(page)).toEqual(["shop-d", "shop-e", "shop-c", "shop-b", "shop-a"]);
    const byName = Object.fromEntries(page.items.map((item: any) => [item.dbname, item]));
    expect(byName["shop-d"]).toMatchObject({
      terminals: 3,
      online: 0,
      problems: { offline: 3, behind: 0, refusedLastHour: 0, count: 3 },
      lastActivityAt: null,
    });
    expect(byName["shop-e"]).toMatchObject({ multiSessions: 3, terminals: 6, online: 4, problems: { offline: 2, refusedLastHour: 1, count: 3 } });
    // The five refused two hours ago are no problem now.
    expect(byName["shop-c"]).toMatchObject({ online: 2, problems: { offline: 0, refusedLastHour: 2, count: 2 }, lastActivityAt: expect.any(Number) });
    expect(byName["shop-a"].problems.count).toBe(0);
  });

  test("is searched by name, sorted by name or last activity either way, and paged", async () => {
    expect(names(await list("?q=SHOP-B"))).toEqual(["shop-b"]);
    expect(await list("?q=nothing")).toMatchObject({ total: 0, withProblems: 0, items: [] });
    expect(names(await list("?sort=name"))).toEqual(["shop-a", "shop-b", "shop-c", "shop-d", "shop-e"]);
    expect(names(await list("?sort=name&order=desc"))).toEqual(["shop-e", "shop-d", "shop-c", "shop-b", "shop-a"]);
    expect(names(await list("?sort=problems&order=asc"))).toEqual(["shop-a", "shop-b", "shop-c", "shop-d", "shop-e"]);
    // Never seen polling sorts as the oldest activity.
    expect(names(await list("?sort=activity")).at(-1)).toBe("shop-d");
    expect(names(await list("?sort=activity&order=asc"))[0]).toBe("shop-d");
    const second = await list("?sort=name&offset=2&limit=2");
    expect(second).toMatchObject({ total: 5, offset: 2, limit: 2 });
    expect(names(second)).toEqual(["shop-c", "shop-d"]);
    expect(names(await list("?sort=name&offset=10"))).toEqual([]);
  });

  test("a shop's key lists its own database only", async () => {
    const page = await list("", KEYS["shop-b"]);
    expect(page).toMatchObject({ total: 1, withProblems: 1 });
    expect(page.items).toEqual([
      expect.objectContaining({ dbname: "shop-b", terminals: 3, online: 2, problems: { offline: 1, behind: 0, refusedLastHour: 0, count: 1 } }),
    ]);
  });

  test("the overview counts every database's terminals", async () => {
    const { body } = await getJson(server.url, "/console/api/overview", ADMIN);
    expect(body).toMatchObject({ databases: 5, terminals: { known: 16, online: 10 } });
  });
});

describe("a database's multi-sessions", () => {
  test("are listed with their terminals, problems first, searched by id or pos id, and paged", async () => {
    const { status, body } = await getJson(server.url, "/console/api/databases/shop-e", ADMIN);
    expect(status).toBe(200);
    expect(body).toMatchObject({ dbname: "shop-e", total: 3, withProblems: 3, unregistered: [] });
    expect(body.summary).toMatchObject({ dbname: "shop-e", multiSessions: 3, terminals: 6, online: 4, problems: { offline: 2, refusedLastHour: 1, count: 3 } });
    // Session 1 holds terminals 1 and 4 and the refused edit; session 2 terminals 2 (offline) and 5; session 3 terminals 3 and 6 (offline).
    expect(body.items.map((session: any) => [session.multiSessionId, session.terminals.map((t: any) => t.posId), session.problems.count])).toEqual([
      [1, ["1", "4"], 1],
      [2, ["2", "5"], 1],
      [3, ["3", "6"], 1],
    ]);
    expect(body.items[1].problems).toEqual({ offline: 1, behind: 0, refusedLastHour: 0, count: 1 });

    const search = await getJson(server.url, "/console/api/databases/shop-e?q=5", ADMIN);
    expect(search.body.items.map((session: any) => session.multiSessionId)).toEqual([2]);
    const paged = await getJson(server.url, "/console/api/databases/shop-e?sort=name&order=desc&offset=1&limit=1", ADMIN);
    expect(paged.body).toMatchObject({ total: 3, items: [{ multiSessionId: 2 }] });
  });

  test("a shop's key sees its own database's sessions, not another's", async () => {
    expect((await getJson(server.url, "/console/api/databases/shop-b", KEYS["shop-b"])).body).toMatchObject({ total: 1, summary: { terminals: 3 } });
    expect((await getJson(server.url, "/console/api/databases/shop-a", KEYS["shop-b"])).status).toBe(403);
  });
});

describe("bad list parameters", () => {
  test.each([
    ["?sort=size", "sort: expected problems, name or activity"],
    ["?order=up", "order: expected asc or desc"],
    ["?limit=0", "limit: expected an integer from 1 to 200"],
    ["?limit=201", "limit: expected an integer from 1 to 200"],
    ["?limit=ten", "limit: expected an integer from 1 to 200"],
    ["?offset=-1", "offset: expected an integer >= 0"],
    [`?q=${"x".repeat(101)}`, "q: at most 100 characters"],
    ["?page=2", "page: not a parameter of this list"],
  ])("%s gets a 400 naming the field, on both lists", async (query, error) => {
    for (const path of ["/console/api/databases", "/console/api/databases/shop-a"]) {
      const { status, body } = await getJson(server.url, `${path}${query}`, ADMIN);
      expect(status, path).toBe(400);
      expect(body.error, path).toContain(error);
    }
  });
});
