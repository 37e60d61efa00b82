import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, expect, test } from "vitest";
import {
  BackendClient,
  HttpError,
  isRetryable,
  LongpollBus,
  MultiSessionClient,
  RpcError,
  Transport,
  type LongpollBusOptions,
} from "../../src/client/index.ts";
import type { TestServer } from "../helpers/server.ts";
import { DB, fastBackoff, nextEvent, sessionTerminal, testBusOptions, testServer, TRANSPORT, until } from "./helpers.ts";

const KEY = "shop1-secret_with.odd~chars";
const BACKEND_KEY = "backend-secret";

let server: TestServer;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function keyedServer(): Promise<TestServer> {
  server = await testServer({ keys: { [DB]: KEY, other: "other-secret" }, backendKey: BACKEND_KEY });
  cleanups.push(() => server.close(500));
  return server;
}

function openBus(options: Partial<LongpollBusOptions>): LongpollBus {
  const bus = new LongpollBus({ baseUrl: server.url, dbname: DB, posId: 1, backoff: fastBackoff, transport: TRANSPORT, ...options });
  cleanups.push(() => bus.stop());
  return bus;
}

function terminal(options: { key?: string; keyIn?: "path" | "header"; dbname?: string; posId?: number }): MultiSessionClient {
  const client = new MultiSessionClient({ ...sessionTerminal(server.url), backoff: fastBackoff, busOptions: testBusOptions, ...options });
  cleanups.push(() => client.stop());
  return client;
}

test.each(["path", "header"] as const)("a terminal with its database's key in the %s polls, pings and syncs", async (keyIn) => {
  await keyedServer();
  const bus = openBus({ key: KEY, keyIn });
  bus.start();
  await until("online", () => bus.state === "online", [bus]);
  const client = terminal({ key: KEY, keyIn });
  await client.start();
  expect(await client.updateOrder({ uid: "o1", lines: [] })).toMatchObject({ status: "accepted" });
});

test("a wrong key is an RpcError access_denied, and the bus reports it without going online", async () => {
  await keyedServer();
  const client = terminal({ key: "other-secret", keyIn: "header" });
  const failure = await client.start().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(RpcError);
  expect((failure as RpcError).exceptionType).toBe("access_denied");
  expect((failure as RpcError).code).toBe(200);

  const bus = openBus({ key: "other-secret", keyIn: "path" });
  const error = nextEvent(bus, "error");
  bus.start();
  expect(await error).toBeInstanceOf(RpcError);
  expect(bus.state).not.toBe("online");
});

test("an invalid database name comes back as an RpcError naming the field", async () => {
  server = await testServer();
  cleanups.push(() => server.close(500));
  const client = terminal({ dbname: "bad name!" });
  const failure = (await client.start().catch((error: unknown) => error)) as RpcError;
  expect(failure).toBeInstanceOf(RpcError);
  expect(failure.exceptionType).toBe("validation_error");
  expect(failure.data.message).toMatch(/dbname/);
});

test("an unknown route is an RpcError with the HTTP status; a proxy's error page is a retryable HttpError", async () => {
  server = await testServer();
  cleanups.push(() => server.close(500));
  const wrongPrefix = new MultiSessionClient(sessionTerminal(`${server.url}/no/such/prefix`));
  cleanups.push(() => wrongPrefix.stop());
  const notFound = (await wrongPrefix.start().catch((error: unknown) => error)) as RpcError;
  expect(notFound).toBeInstanceOf(RpcError);
  expect(notFound.httpStatus).toBe(404);
  expect(isRetryable(notFound)).toBe(false);

  const gateway = createServer((_req, res) => res.writeHead(502, { "Content-Type": "text/html" }).end("<h1>Bad Gateway</h1>"));
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => gateway.close(resolve)));
  const transport = new Transport({ baseUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}` });
  const badGateway = (await transport.call("/longpolling/poll", { channels: [], last: 0 }).catch((error: unknown) => error)) as HttpError;
  expect(badGateway).toBeInstanceOf(HttpError);
  expect(badGateway.status).toBe(502);
  expect(isRetryable(badGateway)).toBe(true);
});

test("a backend pushes to one terminal and to every terminal of a database", async (context) => {
  await keyedServer();
  const received: Array<{ posId: number; message: unknown }> = [];
  for (const posId of [1, 2]) {
    const bus = openBus({ key: KEY, keyIn: "header", posId });
    bus.addChannelCallback("pos_partner_sync", (message) => received.push({ posId, message }));
    bus.start();
    await until(`bus ${posId} online`, () => bus.state === "online", [bus]);
  }
  const backend = new BackendClient({ baseUrl: server.url, key: BACKEND_KEY });
  const sent = await backend
    .sendToChannelById(DB, 2, "pos_partner_sync", { message: "update_partner_fields", partner_ids: [7] })
    .catch((error: unknown) => error);
  // The backend HTTP routes (issue 4) may not be on the server yet.
  const status = sent instanceof RpcError ? sent.httpStatus : sent instanceof HttpError ? sent.status : 200;
  if (status === 404) return context.skip("backend routes not served yet");
  expect(sent).not.toBeInstanceOf(Error);
  await until("pos 2 got the message", () => received.length === 1);
  expect(received[0]).toEqual({ posId: 2, message: { message: "update_partner_fields", partner_ids: [7] } });

  await backend.sendToAllPoses(DB, "pos_partner_sync", { message: "update_partner_fields", partner_ids: [8] });
  await until("both got the second message", () => received.length === 3);
  expect(
    received
      .slice(1)
      .map((r) => r.posId)
      .sort(),
  ).toEqual([1, 2]);

  const stranger = new BackendClient({ baseUrl: server.url, key: "not-the-backend-key" });
  await expect(stranger.sendToAllPoses(DB, "pos_partner_sync", {})).rejects.toBeInstanceOf(RpcError);
});
