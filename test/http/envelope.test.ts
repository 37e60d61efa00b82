import { highestCommittedId } from "../helpers/committed-ids.ts";
import { afterEach, describe, expect, test } from "vitest";
import { channel, postRaw, rpc } from "../helpers/rpc.ts";
import { Poller } from "../helpers/poller.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const pong = channel("shop1", "pos.longpolling", 1);

/** Whatever a rejected request did, the bus must be as empty as before it. */
async function expectNothingWritten(s: TestServer) {
  expect(await new Poller(s.url, [pong]).pollOnce({ peek: true })).toEqual([]);
  expect(await highestCommittedId(s.store)).toBe(0);
}

describe("the JSON-RPC envelope (section 1)", () => {
  test("a body that is not JSON gets HTTP 400 and a parse error", async () => {
    server = await startServer();
    const reply = await postRaw(`${server.url}/pos_longpolling/update`, "{not json");
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ jsonrpc: "2.0", id: null, error: { code: -32700 } });
    await expectNothingWritten(server);
  });

  test.each([
    ["an array", "[1,2]"],
    ["a string", '"call"'],
    ["no jsonrpc member", JSON.stringify({ method: "call", params: { message: "PING", pos_id: 1, db_name: "shop1" } })],
    ["params that are not an object", JSON.stringify({ jsonrpc: "2.0", method: "call", params: [1], id: 1 })],
  ])("JSON that is not a JSON-RPC object (%s) gets HTTP 400 and invalid request", async (_what, body) => {
    server ??= await startServer();
    const reply = await postRaw(`${server.url}/pos_longpolling/update`, body);
    expect(reply.status).toBe(400);
    expect(reply.body.error?.code).toBe(-32600);
    await expectNothingWritten(server);
  });

  test("ids sent as digit strings are read as integers, as the original's int() did", async () => {
    server = await startServer();
    expect((await rpc(`${server.url}/pos_longpolling/update`, { message: "PING", pos_id: "7", db_name: "shop1" })).body.result).toBe(1);
    const update = {
      multi_session_id: "1",
      dbname: "shop1",
      user_ID: "2",
      message: { action: "sync_all", data: { pos_id: "7", run_ID: "1" }, immediate_rerendering: true },
    };
    expect((await rpc(`${server.url}/pos_multi_session_sync/update`, update)).body.result).toMatchObject({ action: "sync_all", data: { message_ID: 2 } });
  });

  test("success echoes the request id", async () => {
    server = await startServer();
    const reply = await postRaw(
      `${server.url}/pos_longpolling/update`,
      JSON.stringify({ jsonrpc: "2.0", method: "call", params: { message: "PING", pos_id: 1, db_name: "shop1" }, id: "abc" }),
    );
    expect(reply).toEqual({ status: 200, body: { jsonrpc: "2.0", id: "abc", result: 1 } });
  });

  test("a non-string channel is refused with 'only string channels are allowed'", async () => {
    server = await startServer();
    const reply = await rpc(`${server.url}/longpolling/poll`, { channels: [pong, 5], last: 0 });
    expect(reply.status).toBe(200);
    expect(reply.body.error).toMatchObject({ code: 200, data: { exception_type: "validation_error" } });
    expect(reply.body.error!.data!.message).toContain("channels[1]: only string channels are allowed");
  });

  test.each([
    ["/longpolling/poll", { last: 0 }, "channels"],
    ["/longpolling/poll", { channels: [pong], last: "abc" }, "last"],
    ["/longpolling/poll", { channels: [pong], last: -1 }, "last"],
    ["/pos_longpolling/update", { message: "PING", db_name: "shop1" }, "pos_id"],
    ["/pos_longpolling/update", { message: "PING", pos_id: "seven", db_name: "shop1" }, "pos_id"],
    ["/pos_longpolling/update", { message: "PING", pos_id: 7 }, "db_name"],
    ["/pos_longpolling/update", { message: "PING", pos_id: 7, db_name: 'x"];drop' }, "db_name"],
    ["/pos_multi_session_sync/update", { dbname: "shop1", user_ID: 1, message: { action: "x" } }, "multi_session_id"],
    [
      "/pos_multi_session_sync/update",
      { multi_session_id: 1, dbname: "shop1", user_ID: 1, message: { action: "update_order", data: { revision_ID: 1 } } },
      "message.data.uid",
    ],
    ["/pos_multi_session_sync/update", { multi_session_id: 1, dbname: "shop1", user_ID: 1, message: { action: "sync_all", data: {} } }, "message.data.pos_id"],
    [
      "/pos_multi_session_sync/update",
      { multi_session_id: 1, dbname: "shop1", user_ID: 1, message: { action: "note", data: { run_ID: "soon" } } },
      "message.data.run_ID",
    ],
  ])("%s with bad params %j names %s and writes nothing", async (route, params, field) => {
    server ??= await startServer();
    const reply = await rpc(`${server.url}${route}`, params);
    expect(reply.status).toBe(200);
    expect(reply.body.error?.data?.exception_type).toBe("validation_error");
    expect(reply.body.error!.data!.message).toContain(`${field}:`);
    await expectNothingWritten(server);
  });

  test("a body over the limit gets HTTP 413 and writes nothing", async () => {
    server = await startServer({ bodyLimit: 2048 });
    const params = { message: "PING".padEnd(4000, "!"), pos_id: 1, db_name: "shop1" };
    const reply = await postRaw(`${server.url}/pos_longpolling/update`, JSON.stringify({ jsonrpc: "2.0", method: "call", params, id: 1 }));
    expect(reply.status).toBe(413);
    expect(reply.body.error?.message).toContain("2048");
    await expectNothingWritten(server);
  });

  test("a chunked body (no Content-Length) over the limit gets HTTP 413 too", async () => {
    server = await startServer({ bodyLimit: 2048 });
    const chunk = new TextEncoder().encode(" ".repeat(1024));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await fetch(`${server.url}/pos_longpolling/update`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    await expectNothingWritten(server);
  });

  test("an unknown route gets 404 with a JSON-RPC body", async () => {
    server = await startServer();
    const reply = await postRaw(`${server.url}/nope`, "{}");
    expect(reply.status).toBe(404);
    expect(reply.body.error?.code).toBe(-32601);
  });
});

describe("CORS", () => {
  test("every route answers the preflight with 204, the origin, the methods and the POS's headers", async () => {
    server = await startServer();
    for (const path of ["/longpolling/poll", "/pos_multi_session_sync/update", "/pos_longpolling/update", "/k/abc/longpolling/poll"]) {
      const response = await fetch(`${server.url}${path}`, {
        method: "OPTIONS",
        headers: { Origin: "http://pos.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type,phantomtest" },
      });
      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe("*");
      expect(response.headers.get("access-control-allow-methods")).toBe("GET,POST,OPTIONS");
      expect(response.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("phantomtest");
    }
  });

  test("a configured origin list allows those origins only", async () => {
    server = await startServer({ corsOrigins: "http://a.example, http://b.example" });
    const preflight = (origin: string) =>
      fetch(`${server!.url}/longpolling/poll`, { method: "OPTIONS", headers: { Origin: origin, "Access-Control-Request-Method": "POST" } });
    expect((await preflight("http://b.example")).headers.get("access-control-allow-origin")).toBe("http://b.example");
    expect((await preflight("http://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
  });

  test("poll replies (served without Hono) carry the same CORS headers", async () => {
    server = await startServer({ corsOrigins: "http://a.example" });
    const poll = (origin: string) =>
      fetch(`${server!.url}/longpolling/poll`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: origin },
        body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: { channels: [pong], last: 0, options: { peek: true } }, id: 1 }),
      });
    const allowed = await poll("http://a.example");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("http://a.example");
    expect(allowed.headers.get("vary")).toBe("Origin");
    expect(await allowed.json()).toEqual({ jsonrpc: "2.0", id: 1, result: [] });
    expect((await poll("http://evil.example")).headers.get("access-control-allow-origin")).toBeNull();
  });

  test("a plain POST carries the allow-origin header", async () => {
    server = await startServer();
    const response = await fetch(`${server.url}/pos_longpolling/update`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "http://pos.example" },
      body: JSON.stringify({ jsonrpc: "2.0", method: "call", params: { pos_id: 1, db_name: "shop1" }, id: 1 }),
    });
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("GET /healthz", () => {
  test("answers 200 with the database reachable", async () => {
    server = await startServer();
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", database: true });
  });
});
