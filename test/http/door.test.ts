import { afterEach, describe, expect, test } from "vitest";
import { createDoor } from "../../src/http/door.ts";
import { jsonReply, plainRoute, type Route } from "../../src/http/route.ts";
import { createLogger } from "../../src/log.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const FOREIGN = "http://evil.example";
const rule = { match: { dbname: "shop1" }, effect: { type: "delay_reply", ms: 0 } };

function door(routes: Route[]) {
  return createDoor({
    routes,
    hooks: [],
    corsOrigins: ["*"],
    bodyLimit: 1000,
    operatorKeys: { databases: {} },
    log: createLogger("silent"),
  });
}

describe("the door: every route declares its access and its CORS", () => {
  test("operator routes never send CORS headers, even to an Origin the CORS setting allows", async () => {
    server = await startServer({ testFeatures: true });
    const sameOrigin = { Origin: server.url };
    for (const path of ["/console/api/overview", "/metrics", "/pos_sync/faults", "/console"]) {
      const reply = await fetch(`${server.url}${path}`, { headers: sameOrigin });
      expect([path, reply.status, reply.headers.get("access-control-allow-origin")]).toEqual([path, 200, null]);
    }
    const preflight = await fetch(`${server.url}/pos_sync/faults`, {
      method: "OPTIONS",
      headers: { Origin: FOREIGN, "Access-Control-Request-Method": "POST" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const health = await fetch(`${server.url}/healthz`, { headers: { Origin: FOREIGN } });
    expect(health.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("a web page on another origin cannot add a fault rule through loopback trust: refused 403, nothing added", async () => {
    server = await startServer({ testFeatures: true });
    const added = await fetch(`${server.url}/pos_sync/faults`, {
      method: "POST",
      headers: { Origin: FOREIGN, "Content-Type": "text/plain" },
      body: JSON.stringify(rule),
    });
    expect(added.status).toBe(403);
    expect(((await added.json()) as { error: string }).error).toContain("Origin");
    expect(await server.faults!.list()).toEqual([]);
    for (const path of ["/console/api/overview", "/metrics", "/console"]) {
      expect([path, (await fetch(`${server.url}${path}`, { headers: { Origin: "null" } })).status]).toEqual([path, 403]);
    }
  });

  test("the console learns what it may show from one JSON route", async () => {
    server = await startServer({ testFeatures: true });
    expect(await (await fetch(`${server.url}/console/api/features`)).json()).toEqual({ testFeatures: true, faults: true, merge: false });
    await server.close();
    server = await startServer();
    expect(await (await fetch(`${server.url}/console/api/features`)).json()).toMatchObject({ testFeatures: false, faults: false });
  });

  test("plain routes answer errors in one shape: {error, field?} with the error's status", async () => {
    server = await startServer({ testFeatures: true });
    const bad = await fetch(`${server.url}/pos_sync/faults`, { method: "POST", body: "{nope" });
    expect([bad.status, await bad.json()]).toEqual([400, { error: "rule: the body is not valid JSON", field: "rule" }]);
    const session = await fetch(`${server.url}/console/api/databases/shop1/sessions/x`);
    expect([session.status, await session.json()]).toEqual([400, { error: "multiSessionId: expected a multi-session id (an integer)" }]);
  });

  test("a table with an operator route that allows CORS is refused when built", () => {
    const route = plainRoute("GET", "/pos_sync/keys", { access: "admin", cors: "allow" }, () => jsonReply({}));
    expect(() => door([route])).toThrow(/never sends CORS/);
  });

  test("a plain route may stream its reply (server-sent events) and be served under /k/<key>", async () => {
    const app = door([
      plainRoute("GET", "/longpolling/stream", { access: "terminal", cors: "allow" }, (request) => ({
        status: 200,
        headers: { "Content-Type": "text/event-stream" },
        start(sink) {
          sink.write(`data: ${request.caller.key}\n\n`);
          sink.write("data: two\n\n");
          sink.end();
        },
      })),
    ]);
    const reply = await app.handle({ method: "GET", path: "/k/the-key/longpolling/stream" });
    expect(reply).toMatchObject({ status: 200, body: "data: the-key\n\ndata: two\n\n" });
    expect(reply.headers["access-control-allow-origin"]).toBe("*");
  });
});
