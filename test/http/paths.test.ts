import { afterEach, describe, expect, test } from "vitest";
import { channel, rpc } from "../helpers/rpc.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const pong = channel("shop1", "pos.longpolling", 7);

describe("route paths (issue 13)", () => {
  test("a Sync Server URL with a trailing slash works: //route is /route for every route, also under /k/<key>//", async () => {
    server = await startServer({ keys: { shop1: "key-of-shop-one" }, backendKey: "the-backend-key", testFeatures: true });
    const keyed = `${server.url}/k/key-of-shop-one/`;
    expect((await rpc(`${keyed}/pos_longpolling/update`, { message: "PING", pos_id: 7, db_name: "shop1" })).body.result).toBe(1);
    const update = {
      multi_session_id: 1,
      dbname: "shop1",
      user_ID: 2,
      message: { action: "sync_all", data: { pos_id: 7, run_ID: 1 }, immediate_rerendering: true },
    };
    expect((await rpc(`${keyed}/pos_multi_session_sync/update`, update)).body.result).toMatchObject({ action: "sync_all" });
    const polled = await rpc<unknown[]>(`${keyed}/longpolling/poll`, { channels: [pong], last: 0, options: { peek: true } });
    expect(polled.body.result).toHaveLength(1);
    const backend = { Authorization: "Bearer the-backend-key" };
    for (const path of [
      "/longpolling/send",
      "/pos_longpolling/backend/send_to_channel",
      "/pos_longpolling/backend/send_to_all",
      "/pos_multi_session/test/gc",
    ]) {
      const params = path === "/longpolling/send" ? { channel: pong, message: "hi" } : { dbname: "shop1", pos_id: 7, channel_name: "x", data: {} };
      const reply = await rpc(`${server.url}/${path}`, params, { headers: backend });
      expect([path, reply.status, reply.body.error]).toEqual([path, 200, undefined]);
    }
  });

  test("a poll without last is an error naming last, and is not held", async () => {
    server = await startServer({ pollTimeout: 30 });
    const reply = await rpc(`${server.url}/longpolling/poll`, { channels: [pong], options: {} });
    expect(reply.status).toBe(200);
    expect(reply.body.error?.data?.exception_type).toBe("validation_error");
    expect(reply.body.error!.data!.message).toContain("last:");
  });
});
