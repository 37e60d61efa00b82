import { afterEach, describe, expect, test } from "vitest";
import { MultiSessionClient, StartTimeoutError, type ConnectionState } from "../../src/client/index.ts";
import { freePort } from "../helpers/process.ts";
import type { TestServer } from "../helpers/server.ts";
import { fastBackoff, sessionTerminal, testBusOptions, testServer, until } from "./helpers.ts";

let server: TestServer | undefined;
let client: MultiSessionClient | undefined;
afterEach(async () => {
  client?.stop();
  await server?.close(500);
  server = client = undefined;
});

function terminalFor(baseUrl: string): MultiSessionClient {
  return new MultiSessionClient({ ...sessionTerminal(baseUrl), backoff: fastBackoff, busOptions: testBusOptions });
}

describe("a terminal started while its server cannot be reached", () => {
  test("start() says offline, keeps retrying, and resolves once the server is there", async () => {
    const port = await freePort();
    client = terminalFor(`http://127.0.0.1:${port}`);
    const states: ConnectionState[] = [];
    client.on("connection", (state) => states.push(state));
    let started = false;
    const starting = client.start().then(() => (started = true));
    await until("the offline state", () => states.includes("offline"), [client]);
    expect(started).toBe(false);

    server = await testServer({ port });
    await starting;
    await until("the online state", () => client!.connection === "online", [client]);
    expect(states).toEqual(expect.arrayContaining(["offline", "online"]));
  });

  test("start({ timeoutMs }) rejects with StartTimeoutError after that long and stops the client", async () => {
    client = terminalFor(`http://127.0.0.1:${await freePort()}`);
    const startedAt = Date.now();
    const error = await client.start({ timeoutMs: 300 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StartTimeoutError);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    await until("the stopped client's queue to empty", () => client!.pending === 0, [], 2000);
    expect(await client.updateOrder({ uid: "00001-001-0001", lines: [] }).catch((reason: unknown) => (reason as Error).name)).toBe("StoppedError");
  });

  test("start({ timeoutMs }) against a reachable server resolves as usual", async () => {
    server = await testServer();
    client = terminalFor(server.url);
    await client.start({ timeoutMs: 10_000 });
    expect(client.messageId).toBeDefined();
  });
});
