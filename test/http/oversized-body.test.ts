import { highestCommittedId } from "../helpers/committed-ids.ts";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ bodyLimit: 1_048_576 });
});
afterAll(async () => {
  await server?.close();
});

/** Writes the whole request before reading anything, as many HTTP clients do; resolves with all the server said. */
function postWholeBodyThenRead(path: string, body: Buffer): Promise<string> {
  const { port } = server;
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const received: Buffer[] = [];
    socket.on("error", reject);
    socket.on("data", (chunk) => received.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(received).toString("latin1")));
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    socket.write(body, (error) => (error ? reject(error) : undefined));
  });
}

describe("a body over the limit (issue 15)", () => {
  test("a client that writes its whole 2 MiB body before reading always reads the 413, with Connection: close", async () => {
    const body = Buffer.alloc(2 * 1024 * 1024, " ");
    for (let i = 0; i < 20; i++) {
      const answer = await postWholeBodyThenRead("/pos_multi_session_sync/update", body);
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer.toLowerCase()).toContain("connection: close");
      expect(answer).toContain("POS_SYNC_BODY_LIMIT");
    }
    expect(await highestCommittedId(server.store)).toBe(0);
  });
});
