import { afterEach, describe, expect, test } from "vitest";
import { parseConfig, type ConfigInput } from "../../src/config.ts";
import { ValidationError } from "../../src/errors.ts";
import { createApp, type App } from "../../src/app/create-app.ts";
import type { AppDeps } from "../../src/app/deps.ts";
import type { CallOutcome, RouteHooks } from "../../src/http/hooks.ts";
import { openDeps } from "../../src/server.ts";
import { channel } from "../helpers/rpc.ts";

let deps: AppDeps | undefined;
afterEach(async () => {
  await deps?.store.close();
  deps = undefined;
});

/** The whole app over an in-memory SQLite store, called without a socket. */
async function directApp(overrides: Partial<ConfigInput> = {}, hooks?: RouteHooks[]): Promise<App> {
  deps = await openDeps(parseConfig({ db: ":memory:", logLevel: "silent", pollTimeout: 0.2, ...overrides }), hooks ? { hooks } : {});
  return createApp(deps);
}

const envelope = (params: unknown, id: unknown = 1) => JSON.stringify({ jsonrpc: "2.0", method: "call", params, id });
const ping = envelope({ message: "PING", pos_id: 7, db_name: "shop1" });
const pong = channel("shop1", "pos.longpolling", 7);

describe("the JSON-RPC front door, called without a socket", () => {
  test("a call is answered with its id, the JSON Content-Type and the CORS header", async () => {
    const app = await directApp();
    const reply = await app.handle({ method: "POST", path: "/pos_longpolling/update", body: envelope({ pos_id: 7, db_name: "shop1" }, "abc") });
    expect(reply).toEqual({
      status: 200,
      headers: { "content-type": "application/json", "access-control-allow-origin": "*" },
      body: '{"jsonrpc":"2.0","id":"abc","result":1}',
    });
  });

  test("repeated slashes and a trailing slash route like the plain path, also under /k/<key>/", async () => {
    const app = await directApp({ keys: { shop1: "key-of-shop-one" } });
    for (const path of [
      "//pos_longpolling/update",
      "/pos_longpolling//update/",
      "/k/key-of-shop-one//pos_longpolling/update",
      "//k/key-of-shop-one/pos_longpolling/update",
    ]) {
      const headers: Record<string, string> = path.includes("/k/") ? {} : { Authorization: "Bearer key-of-shop-one" };
      const reply = await app.handle({ method: "POST", path, headers, body: ping });
      expect([path, JSON.parse(reply.body)]).toEqual([path, { jsonrpc: "2.0", id: 1, result: 1 }]);
    }
    const poll = await app.handle({
      method: "POST",
      path: "/k/key-of-shop-one//longpolling//poll",
      body: envelope({ channels: [pong], last: 0, options: { peek: true } }),
    });
    expect(JSON.parse(poll.body).result).toHaveLength(4);
  });

  test("protocol errors keep their status; unknown routes get the JSON-RPC 404 without the key", async () => {
    const app = await directApp({ bodyLimit: 100 });
    expect((await app.handle({ method: "POST", path: "/longpolling/poll", body: "{not json" })).status).toBe(400);
    expect((await app.handle({ method: "POST", path: "/longpolling/poll", body: "[1]" })).status).toBe(400);
    expect((await app.handle({ method: "POST", path: "/longpolling/poll", body: " ".repeat(101) })).status).toBe(413);
    const missing = await app.handle({ method: "POST", path: "/k/secret-key-1234/nope", body: "{}" });
    expect(missing.status).toBe(404);
    expect(missing.body).toContain("/k/<key>/nope");
    expect(missing.body).not.toContain("secret-key-1234");
  });

  test("plain routes go to Hono: health and preflights", async () => {
    const app = await directApp();
    const health = await app.handle({ method: "GET", path: "//healthz" });
    expect([health.status, JSON.parse(health.body).status]).toEqual([200, "ok"]);
    const preflight = await app.handle({
      method: "OPTIONS",
      path: "/longpolling/poll",
      headers: { Origin: "http://pos.example", "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.status).toBe(204);
  });

  test("hooks see every call at each point, in order, with its route and status", async () => {
    const seen: string[] = [];
    const outcomes: CallOutcome[] = [];
    const app = await directApp({}, [
      {
        beforeHandle: (c) => void seen.push(`before ${c.route} keyInPath=${c.keyInPath}`),
        afterCommit: (c) => void seen.push(`committed ${c.route}`),
        beforeReply: (c, reply) => void seen.push(`reply ${c.route} ${reply.status}`),
        finished: (c, outcome) => {
          seen.push(`finished ${c.route} ${outcome.status}`);
          outcomes.push(outcome);
        },
      },
    ]);
    await app.handle({ method: "POST", path: "/k/whatever-key/pos_longpolling/update", body: ping });
    await app.handle({ method: "POST", path: "/pos_longpolling/update", body: "{" });
    expect(seen).toEqual([
      "before /pos_longpolling/update keyInPath=true",
      "committed /pos_longpolling/update",
      "reply /pos_longpolling/update 200",
      "finished /pos_longpolling/update 200",
      "reply /pos_longpolling/update 400",
      "finished /pos_longpolling/update 400",
    ]);
    expect(outcomes.every((o) => o.ms >= 0)).toBe(true);
  });

  test("a hook may refuse a call before it runs (nothing written) or drop its connection after the commit", async () => {
    let mode: "refuse" | "drop" = "refuse";
    const outcomes: (number | undefined)[] = [];
    const app = await directApp({}, [
      {
        beforeHandle: () => {
          if (mode === "refuse") throw new ValidationError("fault: refused by a rule");
        },
        afterCommit: (c) => {
          if (mode === "drop") c.drop();
        },
        finished: (_c, outcome) => void outcomes.push(outcome.status),
      },
    ]);
    const refused = await app.handle({ method: "POST", path: "/pos_longpolling/update", body: ping });
    expect(JSON.parse(refused.body).error.data.message).toBe("Invalid params: fault: refused by a rule");
    expect(await deps!.store.lastCommittedId("")).toBe(0);
    mode = "drop";
    expect((await app.handle({ method: "POST", path: "/pos_longpolling/update", body: ping })).status).toBe(0);
    const last = await deps!.store.lastCommittedId("");
    expect(await deps!.store.notificationsAfter([pong], 0, last)).toEqual([{ id: last, channel: pong, message: '"PONG"' }]);
    expect(outcomes).toEqual([200, undefined]);
  });
});
